/* The note page's scripts, for what needs one: the draft's stream, citations on
   hover, the recording played from a doubtful word, and the sign / co-sign
   confirmations. Everything else the server renders: saves, flag confirmations
   and the end of a draft bring the page's partials back from the server, which
   htmx swaps in by id (templates_app/note/). No inline script (strict CSP). */
(function () {
  "use strict";

  var config = document.getElementById("note-config");
  if (!config) return;
  var api = config.dataset.api;
  var popover = document.getElementById("cite-popover");
  var busy = false;
  var following = null;

  function byId(id) { return document.getElementById(id); }
  function section(key) { return byId("section-" + key); }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function showStatus(kind, message, retry) {
    var box = byId("gen-status");
    box.hidden = false;
    box.className = "alert alert-" + kind;
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    box.appendChild(p);
    if (retry) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.textContent = "Try again";
      b.addEventListener("click", function () { generate(retry.section || ""); });
      box.appendChild(b);
    }
  }

  /* While a draft is followed nothing else starts; applied again after each swap. */
  function setBusy(on) {
    busy = on;
    document.querySelectorAll('#generate, [data-action="regenerate"], [data-action="edit"], #sign-button')
      .forEach(function (b) { b.disabled = on || b.dataset.blocked === "1"; });
    var cancel = byId("cancel-draft");
    if (cancel) {
      cancel.hidden = !following;
      if (following) cancel.dataset.url = following.cancel;
    }
  }

  /* The server's partials: one section, or the whole review (`note-refresh`). */
  function refreshSection(key) {
    htmx.ajax("GET", config.dataset.partials + "?section=" + encodeURIComponent(key), { swap: "none" });
  }
  function refreshReview() { htmx.trigger(document.body, "note-refresh"); }

  /* --- Drafting: POST .../generate queues a background job; the page follows the
     job's server-sent events with EventSource, which rejoins on its own after a drop
     (Last-Event-ID), so a refresh, a second tab or a lost connection change nothing
     about the draft: the events replay from the start, then arrive live. Text shows
     as it streams; each finished section is then the server's rendering. --- */
  var streamed = {};
  function handle(ev, sectionKey) {
    var d = ev.data, sec = d.key && section(d.key);
    if (sec && sec.dataset.residentWrites === "1" && ev.event !== "start") {
      return;  // the resident's own text stays; the machine's lands beside it
    }
    if (ev.event === "queued") {
      showStatus("info", "Waiting for a drafting worker\u2026");
    } else if (ev.event === "start") {
      showStatus("info", "Drafting with " + d.model + "\u2026 sections appear as they are written.");
      d.sections.forEach(function (key) {
        var s = section(key);
        if (s) s.classList.add("pending");
      });
    } else if (ev.event === "section" && sec) {
      sec.classList.remove("pending");
      sec.classList.add("streaming");
      streamed[d.key] = "";
      var body = sec.querySelector('[data-role="body"]');
      body.textContent = "";
      var pre = document.createElement("p");
      pre.className = "section-text streaming-text";
      body.appendChild(pre);
    } else if (ev.event === "delta" && sec) {
      streamed[d.key] = (streamed[d.key] || "") + d.text;
      var target = sec.querySelector(".streaming-text");
      if (target) target.textContent = streamed[d.key];
    } else if (ev.event === "section_done" && sec) {
      sec.classList.remove("streaming");
      var text = sec.querySelector(".streaming-text");
      if (text) text.classList.remove("streaming-text");
      refreshSection(d.key);
    } else if (ev.event === "error") {
      document.querySelectorAll(".note-section.pending, .note-section.streaming").forEach(function (s) {
        s.classList.remove("pending", "streaming");
      });
      var kept = d.kept && d.kept.length ? " Kept: " + d.kept.join(", ") + "." : "";
      showStatus("error", d.message + kept, d.retryable ? { section: sectionKey } : null);
    } else if (ev.event === "done") {
      if (d.generation === "complete" && d.open_flags) {
        showStatus("warning", "Draft complete, not ready to sign: " + d.open_flags + " statement" + (d.open_flags === 1 ? " is" : "s are") +
          " flagged against the transcript. Edit each one, or confirm it as checked.");
      } else if (d.generation === "complete") {
        showStatus("success", "Draft complete. Check each section against the transcript, then sign.");
      }
    }
  }

  function follow(job, sectionKey) {
    if (following) following.source.close();
    streamed = {};
    var source = new EventSource(job.events);
    following = { source: source, cancel: job.cancel };
    setBusy(true);
    ["queued", "start", "section", "delta", "section_done", "error", "done"].forEach(function (name) {
      source.addEventListener(name, function (e) {
        var data = {};
        try { data = JSON.parse(e.data); } catch (err) { data = {}; }
        handle({ event: name, data: data }, sectionKey);
        if (name === "done") { stopFollowing(); refreshReview(); }
      });
    });
    source.onerror = function () {
      // A dropped connection reconnects by itself; a refusal (signed out) closes.
      if (source.readyState === EventSource.CLOSED && following && following.source === source) {
        stopFollowing();
        showStatus("error", "Lost the draft's progress; reload the page to see it.");
      }
    };
  }

  function stopFollowing() {
    if (following) following.source.close();
    following = null;
    setBusy(false);
  }

  function generate(sectionKey) {
    if (busy) return;
    setBusy(true);
    showStatus("info", "Starting the draft\u2026");
    fetch(api + "/generate", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(sectionKey ? { section: sectionKey } : {})
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) {
        if (!res.ok) {
          showStatus("error", j.detail || "The draft could not start (" + res.status + ").");
          setBusy(false);
          return;
        }
        follow(j, sectionKey);
      });
    }).catch(function () {
      showStatus("error", "The draft could not start: the connection failed. Try again.");
      setBusy(false);
    });
  }

  if (config.dataset.job) {
    var jobUrl = api + "/jobs/" + config.dataset.job;
    follow({ events: jobUrl + "/events", cancel: jobUrl + "/cancel" }, "");
  }
  if (config.dataset.auto === "1") {
    history.replaceState(null, "", location.pathname);
    generate("");
  }

  /* --- Buttons of the head and the sections (swapped in and out: delegated) --- */
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#generate, #cancel-draft, .note-section [data-action]");
    if (!button) return;
    if (button.id === "generate") {
      var hasText = Array.prototype.some.call(document.querySelectorAll(".note-section textarea"), function (t) { return t.value.trim(); });
      if (hasText && !window.confirm("Redraft every section? The current text is replaced (earlier versions stay in Revisions).")) return;
      generate("");
      return;
    }
    if (button.id === "cancel-draft") {
      if (!button.dataset.url) return;
      button.disabled = true;
      fetch(button.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
      }).then(function () { button.disabled = false; });
      return;
    }
    var sec = button.closest(".note-section");
    var form = sec.querySelector('[data-role="edit"]');
    var body = sec.querySelector('[data-role="body"]');
    var what = button.dataset.action;
    if (what === "edit" && form) {
      form.hidden = false;
      body.hidden = true;
      form.querySelector("textarea").focus();
    } else if (what === "cancel" && form) {
      form.hidden = true;
      body.hidden = false;
    } else if (what === "regenerate") {
      if (window.confirm("Redraft \u201c" + sec.dataset.title + "\u201d from the transcript? Your text in it is replaced (kept in Revisions).")) {
        generate(sec.dataset.key);
      }
    }
  });

  /* After a swap the draft's state stays; a refusal the server answers in words
     (not a form with its errors) is shown beside what asked; so is a lost connection. */
  document.body.addEventListener("htmx:afterSettle", function () { setBusy(busy); });
  function refusal(elt, message) {
    var form = elt.closest && elt.closest("form.section-edit");
    var box = form && form.querySelector('[data-role="error"]');
    if (!box) { showStatus("error", message); return; }
    box.hidden = false;
    box.textContent = message;
  }
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var xhr = e.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (xhr.status >= 400 && type.indexOf("text/plain") === 0) refusal(e.detail.elt, xhr.responseText);
    else if (xhr.status >= 400 && !/^4(09|22)$/.test(String(xhr.status))) {
      refusal(e.detail.elt, "Not done: the server answered " + xhr.status + ". Reload the page.");
    }
  });
  document.body.addEventListener("htmx:sendError", function (e) {
    refusal(e.detail.elt, "Not saved: the connection failed. Try again.");
  });

  /* --- Citation popovers: hover, focus or tap shows the cited words and time,
     as the transcript beside the note shows them (its lines, copied). --- */
  var pinned = null;
  var stacked = window.matchMedia("(max-width: 900px)");
  function showPopover(el) {
    popover.textContent = "";
    (el.dataset.seqs || "").split(",").forEach(function (seq) {
      var line = byId("seg-" + seq);
      if (!line) return;
      var row = document.createElement("p");
      Array.prototype.forEach.call(line.childNodes, function (n) { row.appendChild(n.cloneNode(true)); });
      popover.appendChild(row);
    });
    popover.hidden = false;
    var r = el.getBoundingClientRect();
    var top = window.scrollY + r.bottom + 6;
    var left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - popover.offsetWidth - 8));
    popover.style.top = top + "px";
    popover.style.left = left + "px";
  }
  function hidePopover() { if (!pinned) popover.hidden = true; }
  function highlight(el) {
    document.querySelectorAll(".seg.seg-hit").forEach(function (s) { s.classList.remove("seg-hit"); });
    (el.dataset.seqs || "").split(",").forEach(function (seq, i) {
      var li = byId("seg-" + seq);
      if (!li) return;
      li.classList.add("seg-hit");
      // Beside the note (wide screens) the transcript scrolls to the cited line;
      // stacked below it (phones) the page stays put: the popover shows the words.
      if (i === 0 && !stacked.matches) li.scrollIntoView({ block: "nearest", behavior: "smooth" });
    });
  }
  function citeOf(e) { return e.target.closest && e.target.closest("button.cite"); }
  document.addEventListener("mouseover", function (e) {
    var c = citeOf(e);
    if (c && !pinned) showPopover(c);
  });
  document.addEventListener("mouseout", function (e) { if (citeOf(e)) hidePopover(); });
  document.addEventListener("focusin", function (e) {
    var c = citeOf(e);
    if (c) showPopover(c);
  });
  document.addEventListener("focusout", function (e) {
    // Into the popover (a word that plays the recording) it stays open.
    if (citeOf(e) && !(e.relatedTarget && popover.contains(e.relatedTarget))) {
      pinned = null;
      hidePopover();
    }
  });
  document.addEventListener("click", function (e) {
    var c = citeOf(e);
    if (c) {
      pinned = pinned === c ? null : c;
      showPopover(c);
      highlight(c);
      if (!pinned) hidePopover();
    } else if (pinned && !popover.contains(e.target)) {
      pinned = null;
      hidePopover();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { pinned = null; popover.hidden = true; }
  });

  /* --- The recording, from the moment a doubtful or corrected word was heard --- */
  document.addEventListener("click", function (e) {
    var word = e.target.closest && e.target.closest("[data-seek-ms]");
    var player = byId("note-recording");
    if (!word || !player) return;
    var at = +word.dataset.seekMs / 1000;
    function play() {
      player.currentTime = at;
      player.play().catch(function () { /* the reader presses play */ });
    }
    if (player.readyState >= 1) play();
    else {
      player.addEventListener("loadedmetadata", play, { once: true });
      player.preload = "metadata";
      player.load();
    }
  });

  /* --- Sign and co-sign ask once more, in a dialog (swapped in: looked up) --- */
  function confirmWith(formId, dialogId, describe) {
    var form = byId(formId);
    if (!form) return;
    form.addEventListener("submit", function (e) {
      var dialog = byId(dialogId);
      if (form.dataset.confirmed === "1" || !dialog || typeof dialog.showModal !== "function") return;
      e.preventDefault();
      if (!form.reportValidity()) return;
      if (describe) describe(dialog);
      dialog.showModal();
    });
    document.addEventListener("click", function (e) {
      var action = e.target.closest && e.target.closest("#" + dialogId + " [data-action]");
      if (!action) return;
      var dialog = byId(dialogId);
      if (action.dataset.action === "close") dialog.close();
      if (action.dataset.action === "confirm") {
        form.dataset.confirmed = "1";
        dialog.close();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  }
  confirmWith("sign-form", "sign-dialog", function (dialog) {
    var select = byId("supervisor");
    var who = dialog.querySelector('[data-role="who"]');
    if (select && who) who.textContent = select.options[select.selectedIndex].text.split(" \u00b7 ")[0];
  });
  confirmWith("cosign-form", "cosign-dialog");
})();
