// The replay's transcript beside the video: a time seeks the video there, the segment being
// played is marked, and a button (keyboard reachable, aria-pressed) shows or hides the
// French captions. No data comes from the page but the elements' own attributes.
(function () {
  "use strict";
  var video = document.getElementById("replay");
  if (!video) return;

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-seek]") : null;
    if (!link) return;
    var at = parseFloat(link.getAttribute("data-seek"));
    if (!isFinite(at)) return;
    event.preventDefault();
    video.currentTime = at;
    var played = video.play();
    if (played && played.catch) played.catch(function () {});
    video.focus();
  });

  // A link to a moment (the archive's search): #t=<seconds> in the page's address.
  function seekToHash() {
    var found = /^#t=(\d{1,6}(?:\.\d+)?)$/.exec(window.location.hash);
    if (!found) return;
    var at = parseFloat(found[1]);
    var go = function () { video.currentTime = at; };
    if (video.readyState >= 1) go();
    else video.addEventListener("loadedmetadata", go, { once: true });
  }
  seekToHash();
  window.addEventListener("hashchange", seekToHash);

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-testid=transcript-segment]"));
  var current = null;
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime, found = null;
    for (var i = 0; i < rows.length; i++) {
      var start = parseFloat(rows[i].getAttribute("data-start"));
      var end = parseFloat(rows[i].getAttribute("data-end"));
      if (t >= start && t < end) { found = rows[i]; break; }
    }
    if (found === current) return;
    if (current) current.removeAttribute("aria-current");
    if (found) found.setAttribute("aria-current", "true");
    current = found;
  });

  var toggle = document.getElementById("captions-toggle");
  function captions() {
    for (var i = 0; i < video.textTracks.length; i++) {
      if (video.textTracks[i].kind === "captions") return video.textTracks[i];
    }
    return null;
  }
  if (toggle && video.textTracks) {
    toggle.hidden = false;
    var track = captions();
    if (track && track.mode !== "showing") track.mode = "showing";
    toggle.addEventListener("click", function () {
      var t = captions();
      if (!t) return;
      t.mode = t.mode === "showing" ? "hidden" : "showing";
      toggle.setAttribute("aria-pressed", t.mode === "showing" ? "true" : "false");
    });
  }
})();
