/* The record page: microphone -> AudioWorklet (16 kHz PCM, 100 ms frames) ->
   /ws/transcribe/ -> live transcript. Reconnects and resumes the same session when
   the network or the server blips. Every frame is kept until a stored final covers
   it (the server acknowledges a final only once stored); on resume the server says
   where its audio ends (`audio_ms`) and the page resends what it kept past that,
   paced (1.3x real time) so the engine catches up steadily. The server refuses only
   audio ahead of real time since the session began (10 s at most), never late
   audio, so a resend of what was kept is always taken. */
(function () {
  "use strict";
  const root = document.getElementById("recorder");
  if (!root) return;

  const $ = (id) => document.getElementById(id);
  const ui = {
    start: $("rec-start"), pause: $("rec-pause"), resume: $("rec-resume"), stop: $("rec-stop"),
    consent: $("rec-consent"), label: $("rec-label"), setup: $("rec-setup"),
    state: $("rec-state"), timer: $("rec-timer"), meter: $("rec-meter"), dot: $("rec-dot"),
    message: $("rec-message"), transcript: $("transcript"), empty: $("transcript-empty"),
  };
  const FINAL_CLOSE = { 4400: true, 4401: true, 4403: true, 4404: true, 4429: true };
  const FRAME_MS = 100;
  const MAX_KEPT = 3000; // 5 min of audio kept until a stored final covers it
  const SEND_RATE = 1.3, SEND_BURST_MS = 3000; // a resend drains steadily

  let socket = null, sessionId = null, state = "idle", stopping = false, ready = false;
  let audio = null, retries = 0, retryTimer = null;
  // kept: frames not yet covered by a stored final, {pcm, ms} with ms the frame's
  // start on this page's clock; base maps it to the session's (first ready).
  let kept = [], queue = [], capturedMs = 0, base = null, tokens = SEND_BURST_MS;
  let pumpAt = performance.now(), catching = false;
  if (root.dataset.resumeSession) sessionId = Number(root.dataset.resumeSession);
  let elapsedMs = 0, tickFrom = null, clock = null, interimEl = null;

  function show(kind, text) {
    ui.message.textContent = text;
    ui.message.className = "alert alert-" + kind;
    ui.message.hidden = !text;
  }

  function setState(next, label, tone) {
    state = next;
    ui.state.textContent = label;
    ui.state.className = "badge" + (tone ? " badge-" + tone : "");
    root.dataset.state = next;
    const live = next === "recording" || next === "paused" || next === "reconnecting";
    ui.start.hidden = live || next === "stopping" || next === "stopped";
    ui.pause.hidden = next !== "recording";
    ui.resume.hidden = next !== "paused";
    ui.stop.hidden = !live;
    ui.setup.hidden = next !== "idle";
    // Audio captured while reconnecting is queued and sent: it counts as recorded.
    if (next === "recording" || next === "reconnecting") startClock(); else stopClock();
  }

  function startClock() {
    if (clock) return;
    tickFrom = performance.now();
    clock = setInterval(renderClock, 250);
  }
  function stopClock() {
    if (!clock) return;
    elapsedMs += performance.now() - tickFrom;
    clearInterval(clock);
    clock = null;
    renderClock();
  }
  function renderClock() {
    const ms = elapsedMs + (clock ? performance.now() - tickFrom : 0);
    const s = Math.floor(ms / 1000);
    ui.timer.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // The role each speaker number is named by (the offline engine's: 0 Clinician,
  // 1 Patient), else "Speaker 2".
  const NAMES = JSON.parse(($("speaker-names") || {}).textContent || "{}");
  function speaker(n) {
    if (n === null || n === undefined) return "";
    return NAMES[String(n)] || "Speaker " + (n + 1);
  }

  function onTranscript(m) {
    if (ui.empty) { ui.empty.remove(); ui.empty = null; }
    if (held && m.is_final && m.type === "transcript") { held.push(m); return; }
    if (!m.is_final) {
      if (!interimEl) {
        interimEl = document.createElement("p");
        interimEl.className = "line interim";
        ui.transcript.appendChild(interimEl);
      }
      interimEl.textContent = m.text;
    } else {
      if (m.seq <= lastSeq) return; // already shown
      lastSeq = m.seq;
      forgetUpTo(m.end_ms);
      const line = document.createElement("p");
      line.className = "line final";
      line.id = "S" + m.seq;
      const who = speaker(m.speaker);
      if (who) {
        const tag = document.createElement("span");
        tag.className = "line-speaker speaker-" + m.speaker;
        tag.textContent = who;
        line.appendChild(tag);
      }
      appendText(line, m.text, m.words);
      if (interimEl) { interimEl.replaceWith(line); interimEl = null; }
      else ui.transcript.appendChild(line);
    }
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  /* A final's text, marked as the encounter page marks it (transcription/heard.py):
     a drug name corrected from what was heard shows what was heard, and a doubtful
     word is underlined with its confidence. Words arrive with the final (socket) or
     the segment (API); without them (or not spelling the text) the text is plain. */
  function appendText(line, text, words) {
    const spelled = words && words.length && words.map((w) => w.text).join(" ") === text;
    if (!spelled) { line.appendChild(document.createTextNode(text)); return; }
    words.forEach((w, i) => {
      if (i) line.appendChild(document.createTextNode(" "));
      let node = document.createTextNode(w.text);
      if (w.kind === "drug") {
        node = document.createDocumentFragment();
        const fixed = document.createElement("span");
        fixed.className = "word-corrected";
        fixed.textContent = w.text;
        const heard = document.createElement("span");
        heard.className = "word-heard";
        heard.textContent = "(heard \u2018" + (w.heard || "").replace(/[.,?!;:]+$/, "") + "\u2019)";
        node.append(fixed, " ", heard);
      }
      if (w.doubtful) {
        const mark = document.createElement("u");
        mark.className = "word-doubtful";
        mark.title = (w.kind === "unknown"
          ? "No known word or drug name in a medication context"
          : "Heard with " + Math.round(w.probability * 100) + "% confidence") +
          ": check the recording";
        mark.appendChild(node);
        node = mark;
      }
      line.appendChild(node);
    });
  }

  let lastSeq = 0; // the last final shown (a resumed page renders the stored ones)
  ui.transcript.querySelectorAll(".line.final").forEach((el) => {
    lastSeq = Math.max(lastSeq, Number(el.id.slice(1)));
  });

  function forgetUpTo(sessionMs) {
    if (base === null || typeof sessionMs !== "number") return;
    while (kept.length && base + kept[0].ms + FRAME_MS <= sessionMs) kept.shift();
  }

  /* Send what is queued while the socket is ready, at most SEND_RATE times real
     time after a burst: live audio goes at once, a resend drains steadily. */
  function pump() {
    const now = performance.now();
    tokens = Math.min(SEND_BURST_MS, tokens + (now - pumpAt) * SEND_RATE);
    pumpAt = now;
    while (queue.length && tokens >= FRAME_MS && socket && ready &&
           socket.readyState === WebSocket.OPEN) {
      socket.send(queue.shift().pcm);
      tokens -= FRAME_MS;
    }
    if (stopping && !queue.length && socket && ready && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "stop" }));
      stopping = "sent";
    }
  }
  setInterval(pump, 25);

  /* After a reconnection, show the finals stored while this page was cut off (what
     the engine still held when the socket dropped), in place of the stale interim. */
  let held = null; // live finals that arrive while catching up, shown after

  async function catchUp(serverLastSeq) {
    if (interimEl) { interimEl.remove(); interimEl = null; }
    if (serverLastSeq <= lastSeq) return;
    held = [];
    try { await fetchMissing(serverLastSeq); } finally {
      const later = held;
      held = null;
      later.forEach(onTranscript);
    }
  }

  async function fetchMissing(serverLastSeq) {
    let url = "/api/v1/transcription/sessions/" + sessionId +
      "/segments?page_size=100&after_seq=" + lastSeq;
    while (url && serverLastSeq > lastSeq) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = await response.json();
      page.results.forEach((s) => {
        if (s.seq > lastSeq) onTranscript(Object.assign({ is_final: true }, s));
      });
      url = page.next;
    }
  }

  const MESSAGES = {
    too_many_connections: (m) => m.message + " Recordings open in other tabs count too.",
    forbidden: (m) => "Recording is not available to you. " + m.message,
    unauthenticated: () => "Your sign-in has ended. The transcript so far is kept.",
  };

  function onMessage(event) {
    const m = JSON.parse(event.data);
    if (m.type === "ready") {
      const resumed = sessionId !== null;
      sessionId = m.session_id;
      if (base === null) base = m.audio_ms; // where this page's first frame falls
      // Resend, in order, every kept frame the server's audio does not reach.
      queue = kept.filter((f) => base + f.ms + FRAME_MS > m.audio_ms);
      if (resumed) catchUp(m.last_seq);
      retries = 0;
      ready = true;
      show("info", "");
      if (stopping === "sent") stopping = true;
      pump();
    } else if (m.type === "status") {
      if (m.state === "waiting") { show("info", m.message); return; }
      if (m.state === "catching_up") {
        catching = true;
        root.dataset.catchingUp = "1";
        show("warning", "Catching up: the transcript is being saved. Keep talking, nothing is lost.");
        return;
      }
      if (catching) { catching = false; delete root.dataset.catchingUp; show("info", ""); }
      if (m.state === "recording") setState("recording", "Recording", "danger");
      else if (m.state === "paused") setState("paused", "Paused", "warning");
      else if (m.state === "stopped") {
        setState("stopped", "Saved", "success");
        window.location.assign("/encounters/" + sessionId);
      }
    } else if (m.type === "transcript") {
      onTranscript(m);
    } else if (m.type === "error") {
      const text = MESSAGES[m.code] ? MESSAGES[m.code](m) : m.message;
      show(m.code === "consent_required" ? "warning" : "error", text);
    }
  }

  function socketUrl() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + root.dataset.socketPath;
  }

  function connect() {
    socket = new WebSocket(socketUrl());
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      const start = { type: "start", sample_rate: 16000, encoding: "linear16", language: "en" };
      if (sessionId) start.session_id = sessionId;
      else { start.consent = ui.consent.checked; start.label = ui.label.value; }
      socket.send(JSON.stringify(start));
      if (sessionId && state === "paused") socket.send(JSON.stringify({ type: "pause" }));
    };
    socket.onmessage = onMessage;
    socket.onclose = (event) => {
      socket = null;
      ready = false;
      if (state === "stopped") return;
      if (event.code === 4401 && sessionId) { askToSignIn(); return; }
      if (FINAL_CLOSE[event.code] || (stopping && event.code === 1000)) {
        releaseAudio();
        setState("idle", "Not recording", "");
        if (!ui.message.textContent) show("error", "The recording was closed by the server.");
        return;
      }
      reconnectSoon();
    };
  }

  /* The sign-in ended mid-recording: keep the page (its transcript and the audio
     not yet saved), ask to sign in again in another tab, then go on in place. */
  function askToSignIn() {
    const wasPaused = state === "paused";
    setState("reconnecting", "Signed out", "warning");
    if (wasPaused) { state = "paused"; stopClock(); }
    ui.message.replaceChildren();
    ui.message.className = "alert alert-warning";
    ui.message.hidden = false;
    const text = document.createElement("p");
    text.textContent = "Your sign-in has ended. The transcript and the audio not yet saved are kept on this page. ";
    const link = document.createElement("a");
    link.href = "/login?next=/encounters/" + sessionId;
    link.target = "_blank";
    link.rel = "opener";
    link.textContent = "Sign in again (opens a new tab)";
    text.appendChild(link);
    const again = document.createElement("button");
    again.type = "button";
    again.className = "btn btn-primary";
    again.id = "rec-reconnect";
    again.textContent = "Continue recording";
    again.addEventListener("click", () => { show("info", ""); connect(); });
    ui.message.append(text, again);
  }

  function reconnectSoon() {
    const wasPaused = state === "paused";
    setState("reconnecting", "Reconnecting…", "warning");
    if (wasPaused) { state = "paused"; stopClock(); }
    const delay = Math.min(10000, 500 * Math.pow(2, retries++));
    show("warning", "Connection lost. Reconnecting — keep talking, nothing is lost.");
    retryTimer = setTimeout(connect, delay);
  }

  async function openMicrophone() {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    });
    const context = new AudioContext();
    await context.audioWorklet.addModule(root.dataset.workletUrl);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "pcm-16k");
    node.port.onmessage = (event) => {
      // The meter shows what is being recorded: still while paused, not the room.
      const level = state === "recording" ? Math.min(1, event.data.level * 4) : 0;
      ui.meter.style.transform = "scaleX(" + level.toFixed(3) + ")";
      if (state === "paused" || state === "stopped" || stopping) return;
      if (state !== "recording" && state !== "reconnecting") return;
      const frame = { pcm: event.data.pcm, ms: capturedMs };
      capturedMs += FRAME_MS;
      kept.push(frame);
      if (kept.length > MAX_KEPT) kept.shift();
      queue.push(frame);
      pump();
    };
    source.connect(node);
    audio = { stream, context, node };
  }

  function releaseAudio() {
    if (!audio) return;
    audio.stream.getTracks().forEach((t) => t.stop());
    audio.context.close();
    audio = null;
    ui.meter.style.transform = "scaleX(0)";
  }

  if (ui.consent) ui.consent.addEventListener("change", () => { ui.start.disabled = !ui.consent.checked; });

  ui.start.addEventListener("click", async () => {
    if (!sessionId && !ui.consent.checked) {
      show("warning", "Confirm that the patient agreed to be recorded first.");
      return;
    }
    show("info", "");
    ui.start.disabled = true;
    try {
      await openMicrophone();
    } catch (error) {
      ui.start.disabled = false;
      const refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      show("error", refused
        ? "Microphone access was refused. Allow the microphone for this site (the icon in the address bar), then press Start again."
        : "No microphone could be opened (" + (error && error.name || "error") + "). Check that one is connected.");
      return;
    }
    setState("connecting", "Connecting…", "info");
    state = "recording";
    connect();
  });

  ui.pause.addEventListener("click", () => {
    if (socket) socket.send(JSON.stringify({ type: "pause" }));
  });
  ui.resume.addEventListener("click", () => {
    if (socket) socket.send(JSON.stringify({ type: "resume" }));
  });
  ui.stop.addEventListener("click", () => {
    stopping = true;
    setState("stopping", "Saving…", "info");
    if (retryTimer) clearTimeout(retryTimer);
    if (!socket && sessionId) connect(); // resume just to flush what is kept and stop
    pump(); // sends the stop once what is queued has gone
    releaseAudio();
  });

  window.addEventListener("beforeunload", (event) => {
    if (state === "recording" || state === "paused" || state === "reconnecting") {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
