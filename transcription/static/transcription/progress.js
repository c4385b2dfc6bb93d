// An uploaded recording is being transcribed: reload the page every few seconds
// until it is done (the server renders the progress and, then, the transcript).
(function () {
  const box = document.getElementById("upload-progress");
  if (!box) return;
  const seconds = Number(box.dataset.refresh || 3);
  setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
