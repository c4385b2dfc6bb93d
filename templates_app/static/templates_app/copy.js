/* "Copy note" and "Copy section": plain text for pasting into the EHR, without the
   [S12] transcript citations (the EHR has no transcript to look them up in). */
(function () {
  "use strict";

  function plain(body) {
    var copy = body.cloneNode(true);
    copy.querySelectorAll(".cite, button").forEach(function (el) { el.remove(); });
    return copy.innerText
      .replace(/[ \t]+([.,;:])/g, "$1")
      .replace(/[ \t]{2,}/g, " ")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  function sectionText(section) {
    var body = section.querySelector('[data-role="body"]');
    return section.dataset.title.toUpperCase() + "\n" + (body ? plain(body) : "");
  }

  function write(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function done(button, label) {
    var before = button.textContent;
    button.textContent = label;
    setTimeout(function () { button.textContent = before; }, 2000);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest('#copy-note, [data-action="copy"]');
    if (!button) return;
    var text;
    if (button.id === "copy-note") {
      var title = (document.querySelector("h1") || {}).textContent || "";
      var parts = [title.trim().toUpperCase()];
      document.querySelectorAll("section.note-section").forEach(function (s) {
        parts.push(sectionText(s));
      });
      text = parts.join("\n\n");
    } else {
      text = sectionText(button.closest("section.note-section"));
    }
    write(text).then(
      function () { done(button, "Copied"); },
      function () { done(button, "Copy failed: select the text instead"); }
    );
  });
})();
