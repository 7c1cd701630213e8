// The public player: hls.js (vendored) on the sitting's master playlist, a quality menu,
// a sound-only choice (the audio rendition's own playlist: hls.js drops audio-only levels
// from a master that has video), and a retry while the broadcast is not there. A
// broadcast whose playlists end (EXT-X-ENDLIST: stopped, or its worker lost) is played to
// its last segment, then tried again every few seconds: it plays again by itself when it
// comes back (a new mixer appends to the same playlists). Live captions, when the master
// lists a subtitles rendition (streaming.transcript.live): a checkbox shows them.
(function () {
  "use strict";
  const video = document.getElementById("programme");
  if (!video) return;
  const status = document.getElementById("player-status");
  const quality = document.getElementById("quality");
  const audioOnly = document.getElementById("audio-only");
  const captions = document.getElementById("captions");
  const captionsChoice = document.getElementById("captions-choice");
  const captionsNotice = document.getElementById("captions-notice");
  const lang = document.documentElement.lang || "fr";
  const say = {
    waiting: lang.startsWith("fr") ? "La diffusion n’a pas commencé\u00a0; nouvel essai dans quelques secondes." : "The broadcast has not started; trying again in a few seconds.",
    lost: lang.startsWith("fr") ? "Diffusion interrompue\u00a0; reconnexion…" : "Broadcast interrupted; reconnecting…",
    ended: lang.startsWith("fr") ? "La diffusion est arrêtée\u00a0; elle reprendra ici d’elle-même." : "The broadcast has stopped; it will resume here by itself.",
    over: lang.startsWith("fr") ? "La séance est levée\u00a0: la diffusion est terminée." : "The sitting is closed: the broadcast is over.",
  };
  // The sitting's state badge (kept by the live script): a closed sitting's broadcast
  // does not come back, so the player stops trying and says so.
  const badge = document.getElementById("live-state");
  const sittingOver = () => Boolean(badge && badge.classList.contains("state-closed"));
  let hls = null;

  function levels(data) {
    if (audioOnly.checked) return;
    quality.querySelectorAll("option[data-level]").forEach((o) => o.remove());
    data.levels.forEach((level, i) => {
      if (!level.height) return;
      const o = document.createElement("option");
      o.value = String(i); o.dataset.level = "1"; o.textContent = level.height + "p";
      quality.append(o);
    });
  }
  function showCaptions() {
    if (!hls || !captions) return;
    const available = hls.subtitleTracks.length > 0 && !audioOnly.checked;
    captionsChoice.hidden = !available;
    captionsNotice.hidden = !available;
    hls.subtitleDisplay = captions.checked;
    hls.subtitleTrack = available && captions.checked ? 0 : -1;
  }
  function retry(message) {
    if (hls) { hls.destroy(); hls = null; }
    if (sittingOver()) { status.textContent = say.over; return; }
    status.textContent = message;
    setTimeout(start, 4000);
  }
  function start() {
    status.textContent = "";
    const src = audioOnly.checked ? video.dataset.audioSrc : video.dataset.src;
    video.classList.toggle("audio-only", audioOnly.checked);
    quality.disabled = audioOnly.checked;
    if (!(window.Hls && window.Hls.isSupported())) {
      video.src = src; // Safari plays HLS itself
      return;
    }
    // Live latency (bench/hls_latency.py): play 1.75 s behind the newest segment (1 s
    // segments), caught up at up to 1.1x speed when further behind (a slow start), and
    // past 5 s jump back to it. 1.5 s made a 1.5 Mbit/s link stall and switch levels; a
    // stall moves the target 1 s further back, once (hls.js liveSyncOnStallIncrease).
    hls = new window.Hls({ enableWorker: false, liveSyncDuration: 1.75, liveMaxLatencyDuration: 5, maxLiveSyncPlaybackRate: 1.1 });
    let wasLive = false;
    hls.on(window.Hls.Events.LEVEL_LOADED, (_e, data) => {
      if (data.details.live) { wasLive = true; return; }
      // Ended before we played it live: not a replay of its last seconds, wait for it.
      if (!wasLive) setTimeout(() => retry(say.ended), 0);
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, (_e, data) => {
      levels(data);
      video.play().catch(() => {});
    });
    hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, showCaptions);
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      retry(data.details === "manifestLoadError" ? say.waiting : say.lost);
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  }
  video.addEventListener("ended", () => { if (hls) retry(say.ended); });
  quality.addEventListener("change", () => {
    if (hls) hls.currentLevel = Number(quality.value);
  });
  if (captions) captions.addEventListener("change", showCaptions);
  audioOnly.addEventListener("change", () => {
    if (hls) { hls.destroy(); hls = null; }
    start();
  });
  start();
})();
