/* The note page: streamed drafting, citation popovers, per-section edit and redraft,
   and the sign / co-sign confirmations. No inline script (strict CSP). */
(function () {
  "use strict";

  var config = document.getElementById("note-config");
  if (!config) return;
  var api = config.dataset.api;
  var segments = {};
  var segmentsData = document.getElementById("segments-data");
  if (segmentsData) {
    JSON.parse(segmentsData.textContent).forEach(function (s) { segments[s.seq] = s; });
  }
  var statusBox = document.getElementById("gen-status");
  var popover = document.getElementById("cite-popover");
  var CITATION = /\[(S\d+(?:\s*(?:,|-|\u2013)\s*S?\d+)*)\]/g;
  var busy = false;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  /* The readable sentences of a 422's `errors` (any nesting), for the page. */
  function messagesOf(errors) {
    if (!errors) return [];
    if (typeof errors === "string") return [errors];
    var out = [];
    Object.keys(errors).forEach(function (k) { out = out.concat(messagesOf(errors[k])); });
    return out;
  }

  function mmss(ms) {
    var s = Math.floor((ms || 0) / 1000);
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }

  function seqsOf(inner) {
    var out = [];
    inner.split(",").forEach(function (part) {
      var m = /^S?(\d+)(?:\s*(?:-|\u2013)\s*S?(\d+))?$/.exec(part.trim());
      if (!m) return;
      var first = +m[1], last = m[2] ? +m[2] : first;
      if (last < first || last - first > 50) last = first;
      for (var i = first; i <= last; i++) out.push(i);
    });
    return out;
  }

  /* Render section text with citation buttons; unknown segments are flagged. */
  function renderText(body, text) {
    body.textContent = "";
    if (!text.trim()) {
      var empty = document.createElement("p");
      empty.className = "muted placeholder";
      empty.textContent = "Not drafted yet.";
      body.appendChild(empty);
      return;
    }
    var p = document.createElement("p");
    p.className = "section-text";
    var last = 0, m;
    CITATION.lastIndex = 0;
    while ((m = CITATION.exec(text)) !== null) {
      if (m.index > last) p.appendChild(document.createTextNode(text.slice(last, m.index)));
      var seqs = seqsOf(m[1]);
      var valid = seqs.length > 0 && seqs.every(function (s) { return segments[s]; });
      var el;
      if (valid) {
        el = document.createElement("button");
        el.type = "button";
        el.className = "cite";
        el.dataset.seqs = seqs.join(",");
        el.setAttribute("aria-label", "Show what was said in " + m[1]);
        el.textContent = m[1];
      } else {
        el = document.createElement("span");
        el.className = "cite cite-bad";
        el.tabIndex = 0;
        el.title = m[1] + " is not in this transcript: not evidence";
        el.textContent = m[1] + " \u26a0";
      }
      p.appendChild(el);
      last = m.index + m[0].length;
    }
    if (last < text.length) p.appendChild(document.createTextNode(text.slice(last)));
    body.appendChild(p);
  }

  function section(key) { return document.getElementById("section-" + key); }
  function part(sec, role) { return sec && sec.querySelector('[data-role="' + role + '"]'); }

  function showStatus(kind, message, retry) {
    statusBox.hidden = false;
    statusBox.className = "alert alert-" + kind;
    statusBox.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    statusBox.appendChild(p);
    if (retry) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.textContent = "Try again";
      b.addEventListener("click", function () { generate(retry.section || ""); });
      statusBox.appendChild(b);
    }
  }

  function setBusy(on) {
    busy = on;
    document.querySelectorAll('#generate, [data-action="regenerate"], [data-action="edit"], #sign-button')
      .forEach(function (b) { b.disabled = on || b.dataset.blocked === "1"; });
  }

  /* --- Drafting: POST .../generate queues a background job; the page follows the
     job's server-sent events with EventSource, which rejoins on its own after a drop
     (Last-Event-ID), so a refresh, a second tab or a lost connection change nothing
     about the draft: the events replay from the start, then arrive live. --- */
  var following = null;
  var cancelButton = document.getElementById("cancel-draft");

  var streamed = {};
  var drafter = {};
  var reloadWhenDone = false;
  function handle(ev, sectionKey) {
    var d = ev.data, sec;
    var own = d.key && section(d.key);
    if (own && own.dataset.residentWrites === "1" && ev.event !== "start") {
      // The resident's own text stays; the machine's lands beside it (policy).
      if (ev.event === "section_done") reloadWhenDone = true;
      return;
    }
    if (ev.event === "queued") {
      showStatus("info", "Waiting for a drafting worker\u2026");
    } else if (ev.event === "start") {
      drafter = { engine: d.engine, model: d.model };
      showStatus("info", "Drafting with " + d.model + "\u2026 sections appear as they are written.");
      d.sections.forEach(function (key) {
        var s = section(key);
        if (s) { s.classList.add("pending"); }
      });
    } else if (ev.event === "section") {
      sec = section(d.key);
      if (!sec) return;
      sec.classList.remove("pending");
      sec.classList.add("streaming");
      streamed[d.key] = "";
      var body = part(sec, "body");
      body.textContent = "";
      var pre = document.createElement("p");
      pre.className = "section-text streaming-text";
      body.appendChild(pre);
    } else if (ev.event === "delta") {
      sec = section(d.key);
      if (!sec) return;
      streamed[d.key] = (streamed[d.key] || "") + d.text;
      var target = part(sec, "body").querySelector(".streaming-text");
      if (target) target.textContent = streamed[d.key];
    } else if (ev.event === "section_done") {
      sec = section(d.key);
      if (!sec) return;
      sec.classList.remove("streaming");
      renderText(part(sec, "body"), d.text);
      var ta = sec.querySelector("textarea");
      if (ta) ta.value = d.text;
      var badge = part(sec, "edited");
      if (badge) badge.remove();
    } else if (ev.event === "error") {
      document.querySelectorAll(".note-section.pending, .note-section.streaming").forEach(function (s) {
        s.classList.remove("pending", "streaming");
      });
      var kept = d.kept && d.kept.length ? " Kept: " + d.kept.join(", ") + "." : "";
      showStatus("error", d.message + kept, d.retryable ? { section: sectionKey } : null);
    } else if (ev.event === "done") {
      var engine = document.getElementById("note-engine");
      if (engine) {
        var tokens = d.input_tokens || d.output_tokens ? " \u00b7 " + d.input_tokens + " in / " + d.output_tokens + " out tokens" : "";
        engine.textContent = drafter.engine + " \u00b7 " + drafter.model + tokens;
      }
      if (d.revision !== undefined) config.dataset.revision = d.revision;
      if (d.generation === "complete" && d.open_flags) {
        showStatus("warning", "Draft complete, not ready to sign: " + d.open_flags + " statement" + (d.open_flags === 1 ? " is" : "s are") +
          " flagged against the transcript. Edit each one, or confirm it as checked.");
      } else if (d.generation === "complete") {
        showStatus("success", "Draft complete. Check each section against the transcript, then sign.");
      }
      if (reloadWhenDone) { window.location.reload(); return; }
      refreshReview();
      var gen = document.getElementById("generate");
      if (gen) gen.textContent = "Redraft all";
    }
  }

  function follow(job, sectionKey) {
    if (following) following.close();
    setBusy(true);
    streamed = {};
    if (cancelButton) { cancelButton.hidden = false; cancelButton.dataset.url = job.cancel; }
    var source = new EventSource(job.events);
    following = source;
    ["queued", "start", "section", "delta", "section_done", "error", "done"].forEach(function (name) {
      source.addEventListener(name, function (e) {
        var data = {};
        try { data = JSON.parse(e.data); } catch (err) { data = {}; }
        handle({ event: name, data: data }, sectionKey);
        if (name === "done") stopFollowing();
      });
    });
    source.onerror = function () {
      // A dropped connection reconnects by itself; a refusal (signed out) closes.
      if (source.readyState === EventSource.CLOSED && following === source) {
        stopFollowing();
        showStatus("error", "Lost the draft's progress; reload the page to see it.");
      }
    };
  }

  function stopFollowing() {
    if (following) following.close();
    following = null;
    if (cancelButton) cancelButton.hidden = true;
    setBusy(false);
  }

  /* Flags, the sign panel and the labels come from the server's page: fetch it
     again and swap those parts in (one rendering, in the Django template). */
  var refreshes = 0;
  function refreshReview() {
    // Answers can arrive out of order (a draft's end and an edit refresh at once):
    // only the last one asked for is applied, never an older page over a newer one.
    var asked = ++refreshes;
    return fetch(location.pathname, { credentials: "same-origin" }).then(function (res) {
      return res.ok ? res.text() : null;
    }).then(function (html) {
      if (!html || asked !== refreshes) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      ["review-alerts", "flag-count", "note-engine", "engine-note", "sign-blocked"].forEach(function (id) {
        var fresh = doc.getElementById(id), old = document.getElementById(id);
        if (fresh && old) old.replaceWith(fresh);
        else if (old) old.remove();
        else if (fresh && id === "flag-count") document.getElementById("note-engine").after(fresh);
        else if (fresh && id === "engine-note") document.querySelector(".note-meta").after(fresh);
        else if (fresh && id === "sign-blocked" && document.getElementById("sign-confirm-box")) {
          document.getElementById("sign-confirm-box").closest("label").before(fresh);
        }
      });
      doc.querySelectorAll(".note-section").forEach(function (fresh) {
        var sec = section(fresh.dataset.key);
        var list = part(sec, "flag-list"), freshList = part(fresh, "flag-list");
        if (list && freshList) list.replaceWith(freshList);
      });
      // the sign form keeps what was chosen in it; only whether it is blocked changes
      var button = document.getElementById("sign-button");
      var freshButton = doc.getElementById("sign-button");
      if (button && freshButton) {
        button.dataset.blocked = freshButton.dataset.blocked || "";
        button.disabled = busy || button.dataset.blocked === "1";
      }
      var freshConfig = doc.getElementById("note-config");
      if (freshConfig) config.dataset.revision = freshConfig.dataset.revision;
    }).catch(function () { /* the page still shows the server's last word */ });
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

  if (cancelButton) {
    cancelButton.addEventListener("click", function () {
      if (!cancelButton.dataset.url) return;
      cancelButton.disabled = true;
      fetch(cancelButton.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
      }).then(function () { cancelButton.disabled = false; });
    });
  }
  if (config.dataset.job) {
    var jobUrl = api + "/jobs/" + config.dataset.job;
    follow({ events: jobUrl + "/events", cancel: jobUrl + "/cancel" }, "");
  }

  var generateButton = document.getElementById("generate");
  if (generateButton) {
    generateButton.addEventListener("click", function () {
      var hasText = Array.prototype.some.call(document.querySelectorAll(".note-section textarea"), function (t) { return t.value.trim(); });
      if (hasText && !window.confirm("Redraft every section? The current text is replaced (earlier versions stay in Revisions).")) return;
      generate("");
    });
  }
  if (config.dataset.auto === "1") {
    history.replaceState(null, "", location.pathname);
    generate("");
  }

  /* --- Per-section edit and redraft --- */
  document.querySelectorAll(".note-section").forEach(function (sec) {
    var key = sec.dataset.key;
    var form = part(sec, "edit");
    var body = part(sec, "body");
    sec.addEventListener("click", function (e) {
      var action = e.target.closest("[data-action]");
      if (!action || !sec.contains(action)) return;
      var what = action.dataset.action;
      if (what === "edit" && form) {
        form.hidden = false;
        body.hidden = true;
        form.querySelector("textarea").focus();
      } else if (what === "cancel" && form) {
        form.hidden = true;
        body.hidden = false;
      } else if (what === "regenerate") {
        if (window.confirm("Redraft \u201c" + sec.dataset.title + "\u201d from the transcript? Your text in it is replaced (kept in Revisions).")) {
          generate(key);
        }
      }
    });
    if (!form) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = form.querySelector("textarea").value;
      var error = part(sec, "error");
      var sections = {};
      sections[key] = text;
      fetch(api, {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ sections: sections, revision: +config.dataset.revision })
      }).then(function (res) {
        return res.json().then(function (j) { return { ok: res.ok, status: res.status, body: j }; });
      }).then(function (r) {
        if (r.status === 409 && r.body.conflicts && r.body.conflicts[key]) {
          showConflict(error, r.body, key);
          return;
        }
        if (!r.ok) {
          error.hidden = false;
          error.textContent = messagesOf(r.body.errors).join(" ") || r.body.detail;
          return;
        }
        error.hidden = true;
        error.textContent = "";
        config.dataset.revision = r.body.revision;
        var saved = r.body.sections.filter(function (s) { return s.key === key; })[0];
        renderText(body, saved ? saved.text : text);
        form.hidden = true;
        body.hidden = false;
        if (saved && saved.edited && !part(sec, "edited")) {
          var b = document.createElement("span");
          b.className = "badge badge-info";
          b.dataset.role = "edited";
          b.textContent = "Edited";
          sec.querySelector(".section-badges").appendChild(b);
        }
        refreshReview();
      }).catch(function () {
        error.hidden = false;
        error.textContent = "Not saved: the connection failed. Try again.";
      });
    });
  });

  /* A stale save: nothing was saved; show what is saved now beside the text typed.
     Saving again (on the revision now shown) replaces it deliberately. */
  function showConflict(box, body, key) {
    var c = body.conflicts[key];
    box.hidden = false;
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = body.detail;
    box.appendChild(p);
    var cols = document.createElement("div");
    cols.className = "conflict-cols";
    [["Saved by the other edit", c.theirs, "theirs"], ["Your text (not saved)", c.yours, "yours"]].forEach(function (col) {
      var div = document.createElement("div");
      div.dataset.role = "conflict-" + col[2];
      var h = document.createElement("h3");
      h.textContent = col[0];
      var pre = document.createElement("pre");
      pre.textContent = col[1] || "(empty)";
      div.appendChild(h);
      div.appendChild(pre);
      cols.appendChild(div);
    });
    box.appendChild(cols);
    config.dataset.revision = body.revision;
  }

  /* --- Citation popovers: hover, focus or tap shows the cited words and time --- */
  var pinned = null;
  var stacked = window.matchMedia("(max-width: 900px)");
  function showPopover(el) {
    var seqs = (el.dataset.seqs || "").split(",").filter(Boolean);
    popover.textContent = "";
    seqs.forEach(function (seq) {
      var s = segments[seq];
      if (!s) return;
      var row = document.createElement("p");
      var meta = document.createElement("span");
      meta.className = "seg-meta";
      meta.textContent = "S" + s.seq + (s.start_ms == null ? "" : " \u00b7 " + mmss(s.start_ms)) + (s.speaker_name ? " \u00b7 " + s.speaker_name : "");
      row.appendChild(meta);
      row.appendChild(document.createTextNode(" " + s.text));
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
      var li = document.getElementById("seg-" + seq);
      if (!li) return;
      li.classList.add("seg-hit");
      // Beside the note (wide screens) the transcript scrolls to the cited line;
      // stacked below it (phones) the page stays put: the popover shows the words.
      if (i === 0 && !stacked.matches) li.scrollIntoView({ block: "nearest", behavior: "smooth" });
    });
  }
  document.addEventListener("mouseover", function (e) {
    var c = e.target.closest && e.target.closest("button.cite");
    if (c && !pinned) showPopover(c);
  });
  document.addEventListener("mouseout", function (e) {
    if (e.target.closest && e.target.closest("button.cite")) hidePopover();
  });
  document.addEventListener("focusin", function (e) {
    var c = e.target.closest && e.target.closest("button.cite");
    if (c) showPopover(c);
  });
  document.addEventListener("focusout", function (e) {
    if (e.target.closest && e.target.closest("button.cite")) { pinned = null; hidePopover(); }
  });
  document.addEventListener("click", function (e) {
    var c = e.target.closest && e.target.closest("button.cite");
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

  /* --- Sign and co-sign ask once more, in a dialog --- */
  function confirmWith(formId, dialogId, describe) {
    var form = document.getElementById(formId);
    var dialog = document.getElementById(dialogId);
    if (!form || !dialog || typeof dialog.showModal !== "function") return;
    form.addEventListener("submit", function (e) {
      if (form.dataset.confirmed === "1") return;
      e.preventDefault();
      if (!form.reportValidity()) return;
      if (describe) describe(dialog);
      dialog.showModal();
    });
    dialog.addEventListener("click", function (e) {
      var action = e.target.closest("[data-action]");
      if (!action) return;
      if (action.dataset.action === "close") dialog.close();
      if (action.dataset.action === "confirm") {
        form.dataset.confirmed = "1";
        dialog.close();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  }
  confirmWith("sign-form", "sign-dialog", function (dialog) {
    var select = document.getElementById("supervisor");
    var who = dialog.querySelector('[data-role="who"]');
    if (select && who) who.textContent = select.options[select.selectedIndex].text.split(" \u00b7 ")[0];
  });
  confirmWith("cosign-form", "cosign-dialog");
})();
