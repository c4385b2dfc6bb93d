// The attending a resident picks in the sign form survives a reload of the page
// (an edit saved, a refresh): kept in this browser per signed-in person, and offered
// again only if that attending is still in the list. The server already preselects
// the attending named at the person's last signature.
(function () {
  var select = document.getElementById("supervisor");
  if (!select || !window.localStorage) return;
  var key = "noumaris:supervisor:" + (select.dataset.person || "");
  try {
    var kept = window.localStorage.getItem(key);
    if (kept && select.querySelector('option[value="' + CSS.escape(kept) + '"]')) {
      select.value = kept;
    }
    select.addEventListener("change", function () {
      if (select.value) window.localStorage.setItem(key, select.value);
    });
  } catch (e) { /* storage refused (private mode): the server's choice stands */ }
})();
