"""Camera-to-viewer latency with hls.js in Chromium, through the real programme.

A synthetic camera burns into its picture the wall-clock time at which each frame is made
(a 32-bit barcode of milliseconds, see media.barcode_filter) and sends it over UDP as a
camera does. The Supervisor ingests it and mixes it into the full HLS ladder (1 s fMP4
segments); a static HTTP server serves the ladder and a page that plays the master
playlist with the vendored hls.js and the product player's own settings (read from
static/js/player.js). Every 250 ms the page draws the <video> into a canvas, reads the
barcode and records Date.now() minus the time read: the latency of what the viewer sees.
Three fresh page loads per pipeline, 15 s of samples each after 8 s of warm-up.

Baseline, in the same run: the same camera through a bare ffmpeg straight to a
single-rendition HLS with 1 s segments, same server, same page. It measures what plain HLS
with 1 s segments and these player settings costs anyway, so the ratio shows what the
programme (ingest, relay, mixer, ladder) adds. (Decoding the camera feed directly would
leave out HLS and the player, which are most of the latency and not ours to remove.)

    .venv/bin/python bench/hls_latency.py
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

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

from streaming.programme.graph import ProgrammeConfig, ProgrammeInput
from streaming.programme.supervisor import Supervisor

# hls.js settles at a distance from the live edge that depends on the instant it joins
# (and stays there while under liveMaxLatencyDurationCount): several fresh page loads.
PLAYS, WARMUP, MEASURE, EVERY_MS = 3, 8.0, 15.0, 250
CHROMIUM_ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"),
]
HLS_JS = ROOT / "static/vendor/hls.js/hls.min.js"


def player_settings() -> str:
    """The options the product's player gives hls.js."""
    found = re.search(r"new window\.Hls\((\{[^}]*\})\)", (ROOT / "static/js/player.js").read_text())
    if not found:
        raise SystemExit("no `new window.Hls({...})` in static/js/player.js")
    return found.group(1)


PAGE = """<!doctype html><meta charset="utf-8"><title>latency</title>
<video id="programme" muted autoplay playsinline></video>
<script src="/hls.min.js"></script>
<script>
const BASE = %(base)d, BITS = %(bits)d, BAND = %(band)d / 360;
const video = document.getElementById("programme");
window.samples = []; window.bad = 0; window.fatal = null; window.stalls = 0;
video.addEventListener("waiting", () => window.stalls++);
const hls = new Hls(%(settings)s);
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.fatal = d.details; });
hls.loadSource("%(src)s");
hls.attachMedia(video);
const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
setInterval(() => {
  if (video.readyState < 2 || !video.videoWidth || video.paused) return;
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


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Handler, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def bare_command(url: str, out: Path) -> list[str]:
    """The camera straight to single-rendition HLS, 1 s fMP4 segments."""
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mpegts", "-i", url),
        *("-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-keyint_min", "25"),
        *("-sc_threshold", "0", "-bf", "0", "-b:v", "1400k", "-c:a", "aac", "-b:a", "128k"),
        *("-f", "hls", "-hls_time", "1", "-hls_segment_type", "fmp4", "-hls_list_size", "10"),
        *("-hls_flags", "independent_segments+delete_segments+omit_endlist+temp_file"),
        *("-hls_segment_filename", f"{out}/seg_%05d.m4s", f"{out}/index.m3u8"),
    ]


def watch(browser, port: int, name: str) -> tuple[list[float], int]:
    """Latency samples (s) of PLAYS fresh page loads after their warm-up, and the number
    of unreadable frames."""
    values: list[float] = []
    unreadable = 0
    for play in range(PLAYS):
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/{name}.html")
        wait_for(lambda p=page: p.evaluate("window.samples.length > 0 || window.fatal"), 60)
        fatal = page.evaluate("window.fatal")
        if fatal:
            raise SystemExit(f"{name}: hls.js fatal error {fatal}")
        time.sleep(WARMUP)
        page.evaluate("window.samples = []; window.bad = 0; window.stalls = 0")
        time.sleep(MEASURE)
        samples, bad, stalls, height = page.evaluate(
            "[window.samples, window.bad, window.stalls,"
            " document.getElementById('programme').videoHeight]"
        )
        page.close()
        print(
            f"{name} load {play + 1}: p50 {pct(samples, 50) / 1000:5.2f} s, {stalls} stalls, "
            f"playing {height}p"
        )
        values += [ms / 1000 for ms in samples]
        unreadable += bad
    return values, unreadable


def write_page(root: Path, name: str, src: str, base: int) -> None:
    values = {"base": base, "bits": BITS, "band": BAND_H, "settings": player_settings()}
    values |= {"src": src, "every": EVERY_MS}
    (root / f"{name}.html").write_text(PAGE % values)


def main() -> None:
    from playwright.sync_api import sync_playwright

    base = int(time.time() * 1000) - 1000
    root = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    shutil.copy(HLS_JS, root / "hls.min.js")
    write_page(root, "ours", "/ours/master.m3u8", base)
    write_page(root, "bare", "/bare/index.m3u8", base)
    server, port = serve(root)
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                results["ours"] = ours(browser, root, port, base)
                results["bare"] = bare(browser, root, port, base)
            finally:
                browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(root, ignore_errors=True)
    for name, label in (("ours", "programme + ladder"), ("bare", "bare ffmpeg HLS")):
        values, bad = results[name]
        print(
            f"{label:<20} n={len(values):4d}  p50 {pct(values, 50):5.2f} s  "
            f"p95 {pct(values, 95):5.2f} s  min {min(values, default=0):5.2f} s  "
            f"unreadable {bad}"
        )
    ours_values, bare_values = results["ours"][0], results["bare"][0]
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    print(
        last_line(
            "camera_to_viewer_latency",
            pct(ours_values, 50),
            "s",
            pct(bare_values, 50),
            4,
            p95=round(pct(ours_values, 95), 2),
            baseline_p95=round(pct(bare_values, 95), 2),
        )
    )


def ours(browser, root: Path, port: int, base: int) -> tuple[list[float], int]:
    url = f"udp://127.0.0.1:{free_port(2)}"
    config = ProgrammeConfig(
        inputs=(ProgrammeInput("Camera-A", url),),
        output_dir=root / "ours",
        control_address=f"tcp://127.0.0.1:{free_port()}",
    )
    supervisor = Supervisor(config)
    camera = start(barcode_camera_command(base, url))
    supervisor.start()
    try:
        wait_for(lambda: (root / "ours/master.m3u8").exists(), timeout=30)
        return watch(browser, port, "ours")
    finally:
        supervisor.stop()
        stop([camera])


def bare(browser, root: Path, port: int, base: int) -> tuple[list[float], int]:
    url = f"udp://127.0.0.1:{free_port(2)}"
    out = root / "bare"
    out.mkdir()
    process = start(bare_command(url, out))
    camera = start(barcode_camera_command(base, url))
    try:
        wait_for(lambda: (out / "index.m3u8").exists(), timeout=30)
        return watch(browser, port, "bare")
    finally:
        stop([process, camera])


if __name__ == "__main__":
    main()
