"""Camera-to-viewer latency with hls.js in Chromium, through the real programme.

A synthetic camera burns into its picture the wall-clock time at which each frame is made
(a 32-bit barcode of milliseconds, see media.barcode_filter) and sends it over UDP as a
camera does. The Supervisor ingests it and mixes it into the full HLS ladder (1 s fMP4
segments); a static HTTP server serves the ladder and a page that plays the master
playlist with the vendored hls.js and the product player's own settings (read from
static/js/player.js). Every 250 ms the page draws the <video> into a canvas, reads the
barcode and records Date.now() minus the time read: the latency of what the viewer sees.
Three fresh page loads per pipeline, 15 s of samples each after 8 s of warm-up.

Then the weak link: Chromium's own network emulation (DevTools Network.emulateNetworkConditions
through Playwright's CDP session: WEAK_LINK, 1.5 Mbit/s down, 150 ms added round trip)
on the programme's master playlist, and on its audio-only rendition (the player's "sound
only" choice, its own playlist), WEAK_PLAYS loads of WEAK_MEASURE s each. A player that
stalls is what matters there: the <video> element's `waiting` events and hls.js's
BUFFER_STALLED_ERROR are counted from the first picture (or sound) on, with hls.js's own
estimate of its distance to the live edge (`hls.latency`; there is no barcode to read in
sound, so the audio-only figure is that distance).

Baseline, in the same run: the same camera through a bare ffmpeg straight to a
single-rendition HLS with 1 s segments, same server, same page. It measures what plain HLS
with 1 s segments and these player settings costs anyway, so the ratio shows what the
programme (ingest, relay, mixer, ladder) adds. (Decoding the camera feed directly would
leave out HLS and the player, which are most of the latency and not ours to remove.)

    .venv/bin/python bench/hls_latency.py
    BENCH_HLS_SETTINGS='{"liveSyncDurationCount": 2}' ...   (other player settings, to compare)
    BENCH_LADDER=small ...   (the small ladder, on a machine too busy for the full one)
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ROOT, last_line
from media import (
    BAND_H,
    BITS,
    FFMPEG,
    barcode_camera_command,
    free_port,
    machine_load,
    pct,
    start,
    stop,
    wait_for,
)

from streaming.programme.graph import LADDERS, ProgrammeConfig, ProgrammeInput
from streaming.programme.outputs import NO_LOOKAHEAD
from streaming.programme.supervisor import Supervisor

# hls.js settles at a distance from the live edge that depends on the instant it joins
# (and stays there while under liveMaxLatencyDurationCount): several fresh page loads.
PLAYS, WARMUP, MEASURE, EVERY_MS = 3, 8.0, 15.0, 250
# The weak link: a viewer on a poor ADSL line or a weak mobile signal. Longer windows: a
# stall is rarer than a latency sample.
WEAK_LINK = {
    "offline": False,
    "latency": 150,  # ms added to every request (the round trip)
    "downloadThroughput": 1_500_000 / 8,  # bytes/s
    "uploadThroughput": 750_000 / 8,
}
WEAK_PLAYS, WEAK_MEASURE = 2, 30.0
# The README's figures are the full ladder's; BENCH_LADDER=small when the machine is too
# busy for the mixer to keep up with it (its speed under 1x: the latency grows without end).
LADDER = os.environ.get("BENCH_LADDER", "full")
CHROMIUM_ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"),
]
HLS_JS = ROOT / "static/vendor/hls.js/hls.min.js"


def player_settings() -> str:
    """The options the product's player gives hls.js (or BENCH_HLS_SETTINGS, to compare)."""
    if override := os.environ.get("BENCH_HLS_SETTINGS"):
        return json.dumps({"enableWorker": False, **json.loads(override)})
    found = re.search(r"new window\.Hls\((\{[^}]*\})\)", (ROOT / "static/js/player.js").read_text())
    if not found:
        raise SystemExit("no `new window.Hls({...})` in static/js/player.js")
    return found.group(1)


PAGE = """<!doctype html><meta charset="utf-8"><title>latency</title>
<video id="programme" muted autoplay playsinline></video>
<script src="/hls.min.js"></script>
<script>
const BASE = %(base)d, BITS = %(bits)d, BAND = %(band)d / 360, SOUND = %(sound)s;
const video = document.getElementById("programme");
window.samples = []; window.edge = []; window.bad = 0; window.fatal = null;
window.stalls = 0; window.stalled = 0; window.started = false; window.startStalls = 0;
// From the first picture (or sound) on: a wait while joining is not a stall.
video.addEventListener("playing", () => { window.started = true; });
video.addEventListener("waiting", () => { if (window.started) window.stalls++; });
const hls = new Hls(%(settings)s);
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
hls.on(Hls.Events.ERROR, (_e, d) => {
  if (d.fatal) window.fatal = d.details;
  if (d.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR && window.started) window.stalled++;
});
hls.loadSource("%(src)s");
hls.attachMedia(video);
const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
setInterval(() => {
  if (video.readyState < 2 || video.paused) return;
  window.edge.push(hls.latency * 1000);
  if (SOUND) { window.samples.push(hls.latency * 1000); return; }
  if (!video.videoWidth) return;
  const w = video.videoWidth, h = video.videoHeight;
  canvas.width = w; canvas.height = h;
  ctx.drawImage(video, 0, 0, w, h);
  const row = ctx.getImageData(0, Math.floor(h * BAND / 2), w, 1).data;
  let value = 0;
  for (let i = 0; i < BITS; i++) {
    const x = Math.floor((i + 0.5) * w / BITS);
    value = value * 2 + (row[4 * x] > 128 ? 1 : 0);
  }
  const latency = Date.now() - BASE - value;
  if (latency < 0 || latency > 60000) { window.bad++; return; }
  window.samples.push(latency);
}, %(every)d);
</script>
"""


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A page closed while it was loading a segment (a broken pipe) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    port = free_port()
    server = Server(("127.0.0.1", port), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def bare_command(url: str, out: Path) -> list[str]:
    """The camera straight to single-rendition HLS, 1 s fMP4 segments, the programme's
    encoder settings."""
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mpegts", "-i", url),
        *("-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-keyint_min", "25"),
        *("-sc_threshold", "0", "-bf", "0", "-x264-params", NO_LOOKAHEAD),
        *("-b:v", "1400k", "-c:a", "aac", "-b:a", "128k"),
        *("-f", "hls", "-hls_time", "1", "-hls_segment_type", "fmp4", "-hls_list_size", "10"),
        *("-hls_flags", "independent_segments+delete_segments+omit_endlist+temp_file"),
        *("-hls_segment_filename", f"{out}/seg_%05d.m4s", f"{out}/index.m3u8"),
    ]


@dataclass
class Watched:
    """What the page loads of one pipeline saw, after their warm-up."""

    latency: list[float] = field(default_factory=list)  # s: barcode (or hls.latency: sound)
    edge: list[float] = field(default_factory=list)  # s: hls.js's distance to the live edge
    stalls: int = 0  # `waiting` events once playing
    stalled_errors: int = 0  # hls.js BUFFER_STALLED_ERROR once playing
    unreadable: int = 0
    seconds: float = 0.0  # of measurement


@dataclass(frozen=True)
class Viewing:
    name: str  # the page: ours, bare, weak, sound
    plays: int = PLAYS
    measure: float = MEASURE
    link: dict[str, object] | None = None  # network conditions, None: the loopback as is


def open_page(browser, port: int, viewing: Viewing):
    page = browser.new_page()
    if viewing.link is not None:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", viewing.link)
    page.goto(f"http://127.0.0.1:{port}/{viewing.name}.html")
    wait_for(lambda p=page: p.evaluate("window.samples.length > 0 || window.fatal"), 60)
    if fatal := page.evaluate("window.fatal"):
        raise SystemExit(f"{viewing.name}: hls.js fatal error {fatal}")
    return page


def watch(browser, port: int, viewing: Viewing) -> Watched:
    """Fresh page loads of one pipeline, each measured after its warm-up."""
    seen = Watched()
    for play in range(viewing.plays):
        page = open_page(browser, port, viewing)
        time.sleep(WARMUP)
        page.evaluate("window.samples = []; window.edge = []; window.bad = 0")
        stalls_before = page.evaluate("[window.stalls, window.stalled]")
        time.sleep(viewing.measure)
        samples, edge, bad, stalls, stalled, height = page.evaluate(
            "[window.samples, window.edge, window.bad, window.stalls, window.stalled,"
            " document.getElementById('programme').videoHeight]"
        )
        page.close()
        stalls, stalled = stalls - stalls_before[0], stalled - stalls_before[1]
        print(
            f"{viewing.name} load {play + 1}: p50 {pct(samples, 50) / 1000:5.2f} s, "
            f"hls.latency p50 {pct(edge, 50) / 1000:5.2f} s, {stalls} waiting, "
            f"{stalled} stalled errors ({stalls_before[0]} while warming up), "
            f"playing {height or 'sound '}p"
        )
        seen.latency += [ms / 1000 for ms in samples]
        seen.edge += [ms / 1000 for ms in edge]
        seen.stalls, seen.stalled_errors = seen.stalls + stalls, seen.stalled_errors + stalled
        seen.unreadable += bad
        seen.seconds += viewing.measure
    return seen


def write_page(root: Path, name: str, src: str, base: int, sound: bool = False) -> None:
    values = {"base": base, "bits": BITS, "band": BAND_H, "settings": player_settings()}
    values |= {"src": src, "every": EVERY_MS, "sound": "true" if sound else "false"}
    (root / f"{name}.html").write_text(PAGE % values)


VIEWINGS = {
    "ours": Viewing("ours"),
    "weak": Viewing("weak", WEAK_PLAYS, WEAK_MEASURE, WEAK_LINK),
    "sound": Viewing("sound", WEAK_PLAYS, WEAK_MEASURE, WEAK_LINK),
}
LABELS = {
    "ours": "programme + ladder",
    "weak": "ladder, weak link",
    "sound": "sound only, weak link",
    "bare": "bare ffmpeg HLS",
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    base = int(time.time() * 1000) - 1000
    root = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    shutil.copy(HLS_JS, root / "hls.min.js")
    write_page(root, "ours", "/ours/master.m3u8", base)
    write_page(root, "weak", "/ours/master.m3u8", base)
    write_page(root, "sound", "/ours/audio/index.m3u8", base, sound=True)
    write_page(root, "bare", "/bare/index.m3u8", base)
    print(f"player settings: {player_settings()}; ladder {LADDER}; at the start: {machine_load()}")
    server, port = serve(root)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                results = ours(browser, root, port, base)
                results["bare"] = bare(browser, root, port, base)
            finally:
                browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(root, ignore_errors=True)
    report(results)


def report(results: dict[str, Watched]) -> None:
    for name, seen in results.items():
        print(
            f"{LABELS[name]:<22} n={len(seen.latency):4d}  p50 {pct(seen.latency, 50):5.2f} s  "
            f"p95 {pct(seen.latency, 95):5.2f} s  min {min(seen.latency, default=0):5.2f} s  "
            f"hls.latency p50 {pct(seen.edge, 50):5.2f} s  unreadable {seen.unreadable}  "
            f"stalls {seen.stalls} waiting / {seen.stalled_errors} stalled in {seen.seconds:.0f} s"
        )
    ours_, bare_, weak, sound = (results[k] for k in ("ours", "bare", "weak", "sound"))
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    print(
        last_line(
            "camera_to_viewer_latency",
            pct(ours_.latency, 50),
            "s",
            pct(bare_.latency, 50),
            3,
            p95=round(pct(ours_.latency, 95), 2),
            baseline_p95=round(pct(bare_.latency, 95), 2),
            weak_p50=round(pct(weak.latency, 50), 2),
            weak_stalls=weak.stalls,
            weak_stalled_errors=weak.stalled_errors,
            sound_edge_p50=round(pct(sound.latency, 50), 2),
            sound_stalls=sound.stalls,
            sound_stalled_errors=sound.stalled_errors,
            ladder=LADDER,
            load=machine_load(),
        )
    )


def ours(browser, root: Path, port: int, base: int) -> dict[str, Watched]:
    """The programme, watched on the loopback, on the weak link, and as sound only."""
    url = f"udp://127.0.0.1:{free_port(2)}"
    config = ProgrammeConfig(
        inputs=(ProgrammeInput("Camera-A", url),),
        output_dir=root / "ours",
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=LADDERS[LADDER],
    )
    supervisor = Supervisor(config)
    camera = start(barcode_camera_command(base, url))
    supervisor.start()
    try:
        wait_for(lambda: (root / "ours/master.m3u8").exists(), timeout=30)
        return {name: watch(browser, port, viewing) for name, viewing in VIEWINGS.items()}
    finally:
        supervisor.stop()
        stop([camera])


def bare(browser, root: Path, port: int, base: int) -> Watched:
    url = f"udp://127.0.0.1:{free_port(2)}"
    out = root / "bare"
    out.mkdir()
    process = start(bare_command(url, out))
    camera = start(barcode_camera_command(base, url))
    try:
        wait_for(lambda: (out / "index.m3u8").exists(), timeout=30)
        return watch(browser, port, Viewing("bare"))
    finally:
        stop([process, camera])


if __name__ == "__main__":
    main()
