"""Camera-to-participant latency of the room's programme through Janus, with the HLS
latency of the same programme as baseline, in the same run.

A synthetic camera burns into its picture the wall-clock time at which each frame is made
(a 32-bit barcode of milliseconds, see media.barcode_filter) and sends it over UDP as a
camera does. The broadcast runner's path follows: the sitting's Streaming mountpoint made
by `programme_rtp_out` in a Janus run for the bench, then the Supervisor's mixer with the
production ladder and preset, which sends its smallest rendition (H.264 as encoded) and
an Opus sound to the mountpoint over RTP, besides its HLS ladder.

Participants: headless Chromium (Debian's) watches the mountpoint through a
`ProgrammeWatch`, as the visio consumer signals it; every 250 ms the page draws the
<video> into a canvas, reads the barcode and records Date.now() minus the time read.
PLAYS fresh connections, MEASURE s of samples each after WARMUP s.

Baseline: the same programme's HLS ladder, played by the vendored hls.js with the product
player's settings and read the same way (as bench/hls_latency.py, fewer loads).

    .venv/bin/python bench/programme_feed_latency.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from common import last_line
from hls_latency import HLS_JS, serve, write_page
from media import BAND_H, BITS, barcode_camera_command, free_port, machine_load, pct, start, stop
from programme_page import receiver, watch_on

from streaming.conference.janus_process import JanusProcess

PLAYS, WARMUP, MEASURE, EVERY_MS = 2, 5.0, 15.0, 250
HLS_PLAYS, HLS_WARMUP = 2, 8.0
SITTING = 1
CHROMIUM_ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"),
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]

# The participant's page (programme_page, as tests/streaming/test_programme_feed.py
# watches), with the barcode reader of bench/hls_latency.py.
RECEIVER = receiver(
    """
  const pc = new RTCPeerConnection();
  const video = document.createElement("video");
  video.muted = true; video.autoplay = true; video.playsInline = true;
  document.body.appendChild(video);
  const stream = new MediaStream();
  pc.ontrack = (event) => { stream.addTrack(event.track); video.srcObject = stream; };
  window.samples = []; window.bad = 0;
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  setInterval(() => {
    if (video.readyState < 2 || !video.videoWidth) return;
    const w = video.videoWidth, h = video.videoHeight;
    canvas.width = w; canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    const row = ctx.getImageData(0, Math.floor(h * band / 360 / 2), w, 1).data;
    let value = 0;
    for (let i = 0; i < bits; i++) {
      const x = Math.floor((i + 0.5) * w / bits);
      value = value * 2 + (row[4 * x] > 128 ? 1 : 0);
    }
    const latency = Date.now() - base - value;
    if (latency < 0 || latency > 60000) { window.bad++; return; }
    window.samples.push(latency);
  }, every);""",
    *("base", "bits", "band", "every"),
)

JITTER_BUFFER = """async () => {
  let out = null;
  (await window.pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video" && s.jitterBufferEmittedCount)
      out = 1000 * s.jitterBufferDelay / s.jitterBufferEmittedCount;
  });
  return [out, document.querySelector("video").videoHeight];
}"""


async def participant(browser, janus, base: int) -> tuple[list[float], int]:
    """Latency samples (s) of PLAYS fresh WebRTC connections, and unreadable frames."""
    from streaming.conference.janus import janus_session
    from streaming.visio.programme_feed import ProgrammeWatch

    values: list[float] = []
    unreadable = 0
    async with janus_session(janus) as session:
        for play in range(PLAYS):
            page = await browser.new_page()
            watch = await ProgrammeWatch.attach(session, SITTING)
            try:
                await watch_on(page, watch, RECEIVER, base, BITS, BAND_H, EVERY_MS)
                await asyncio.sleep(WARMUP)
                await page.evaluate("window.samples = []; window.bad = 0")
                await asyncio.sleep(MEASURE)
                samples, bad = await page.evaluate("[window.samples, window.bad]")
                jitter, height = await page.evaluate(JITTER_BUFFER)
            finally:
                await watch.leave()
                await watch.detach()
                await page.close()
            print(
                f"participant {play + 1}: p50 {pct(samples, 50) / 1000:5.2f} s, "
                f"jitter buffer {jitter or 0:.0f} ms, playing {height}p"
            )
            values += [ms / 1000 for ms in samples]
            unreadable += bad
    return values, unreadable


async def viewer(browser, port: int) -> tuple[list[float], int]:
    """hls_latency.watch, on the asyncio API."""
    values: list[float] = []
    unreadable = 0
    for play in range(HLS_PLAYS):
        page = await browser.new_page()
        await page.goto(f"http://127.0.0.1:{port}/ours.html")
        await page.wait_for_function("window.samples.length > 0 || window.fatal", timeout=60_000)
        fatal = await page.evaluate("window.fatal")
        if fatal:
            raise SystemExit(f"hls.js fatal error {fatal}")
        await asyncio.sleep(HLS_WARMUP)
        await page.evaluate("window.samples = []; window.bad = 0; window.stalls = 0")
        await asyncio.sleep(MEASURE)
        samples, bad, height = await page.evaluate(
            "[window.samples, window.bad, document.getElementById('programme').videoHeight]"
        )
        await page.close()
        print(f"HLS viewer {play + 1}: p50 {pct(samples, 50) / 1000:5.2f} s, playing {height}p")
        values += [ms / 1000 for ms in samples]
        unreadable += bad
    return values, unreadable


async def measure(root: Path, port: int, base: int, janus: JanusProcess) -> dict:
    from django.conf import settings
    from playwright.async_api import async_playwright

    from streaming.conference.janus import JanusSettings
    from streaming.programme.graph import LADDERS, ProgrammeConfig, ProgrammeInput
    from streaming.programme.supervisor import Supervisor
    from streaming.visio.programme_feed import programme_rtp_out

    rtp_out = await asyncio.to_thread(programme_rtp_out, SITTING)
    if rtp_out is None:
        raise SystemExit("no mountpoint: is Janus answering?")
    url = f"udp://127.0.0.1:{free_port(2)}"
    config = ProgrammeConfig(
        inputs=(ProgrammeInput("Camera-A", url),),
        output_dir=root / "ours",
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=LADDERS[settings.SEANCE_BROADCAST_LADDER],
        preset=settings.SEANCE_BROADCAST_PRESET,
        rtp_out=rtp_out,
    )
    rung = config.ladder[config.rtp_rendition or 0]
    print(f"ladder {settings.SEANCE_BROADCAST_LADDER}, preset {config.preset}; RTP: {rung.name}")
    supervisor = Supervisor(config)
    camera = start(barcode_camera_command(base, url))
    supervisor.start()
    results = {}
    try:
        deadline = time.monotonic() + 30
        while not (root / "ours/master.m3u8").exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"no HLS: {supervisor.health()['stderr_tail']}")
            await asyncio.sleep(0.2)
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            try:
                janus_settings = JanusSettings.from_env(janus.environ())
                results["webrtc"] = await participant(browser, janus_settings, base)
                results["hls"] = await viewer(browser, port)
            finally:
                await browser.close()
        print(
            f"mixer: restarts {supervisor.restarts}, speed {supervisor.mixer.progress.get('speed')}"
        )
    finally:
        supervisor.stop()
        stop([camera])
    return results


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-feed-latency-"))
    janus = JanusProcess(root / "janus")
    janus.start()
    os.environ.update(janus.environ())  # read by council.settings
    import django

    django.setup()
    base = int(time.time() * 1000) - 1000
    shutil.copy(HLS_JS, root / "hls.min.js")
    write_page(root, "ours", "/ours/master.m3u8", base)
    server, port = serve(root)
    try:
        results = asyncio.run(measure(root, port, base, janus))
    finally:
        server.shutdown()
        janus.stop()
        shutil.rmtree(root, ignore_errors=True)
    for name, label in (("webrtc", "participant (Janus)"), ("hls", "HLS viewer")):
        values, bad = results[name]
        print(
            f"{label:<20} n={len(values):4d}  p50 {pct(values, 50):5.2f} s  "
            f"p95 {pct(values, 95):5.2f} s  min {min(values, default=0):5.2f} s  "
            f"unreadable {bad}"
        )
    webrtc, hls = results["webrtc"][0], results["hls"][0]
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    print(
        last_line(
            "programme_to_participant_latency",
            pct(webrtc, 50),
            "s",
            pct(hls, 50),
            1,
            p50_ms=round(pct(webrtc, 50) * 1000),
            p95=round(pct(webrtc, 95), 2),
            baseline_p50_ms=round(pct(hls, 50) * 1000),
            baseline_p95=round(pct(hls, 95), 2),
        )
    )


if __name__ == "__main__":
    main()
