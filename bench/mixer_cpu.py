"""CPU of the live programme against the bare ffmpeg command doing the same encoding.

Three synthetic cameras (640x360, 25 fps, H.264 + AAC over UDP) feed, one after the other
in the same run:
- ours: the Supervisor (three ingests, the slate, the mixer with the lower third and the
  picture in picture on, the full ladder 720p/480p/360p + audio, 1 s fMP4 segments, and the
  recording), plus the benchmark's own process, which runs the ingests' relay threads;
- bare: one ffmpeg with the same three inputs, a plain `streamselect` and `scale`, the same
  encoder settings (preset, GOP, bitrates) and the same HLS ladder, nothing else.
The cameras are not counted in either. CPU = utime + stime from /proc, over a window of
MEASURE seconds after WARMUP seconds, given in CPU seconds per minute.

    .venv/bin/python bench/mixer_cpu.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from common import last_line
from media import (
    CAMERAS,
    FFMPEG,
    CpuMeter,
    camera_command,
    free_port,
    machine_load,
    start,
    stop,
    wait_for,
)

from streaming.programme.graph import LADDER, ProgrammeConfig, ProgrammeInput
from streaming.programme.outputs import encoder_args, hls_options
from streaming.programme.state import LowerThird, ProgrammeState
from streaming.programme.supervisor import Supervisor

WARMUP, MEASURE = 10.0, 50.0
SPEAKER = LowerThird("Jeanne Martin", "Adjointe aux finances", "Point 4 : budget primitif")


def cameras(urls: list[str]):
    return [
        start(camera_command(n, c, t, url)) for (n, c, t), url in zip(CAMERAS, urls, strict=True)
    ]


def measure(pids, out: Path) -> tuple[dict[int, float], float, float]:
    """CPU seconds of each of `pids()` over the window, of this process, and the window."""
    wait_for(lambda: len(list(out.glob("720p/seg_*.m4s"))) >= 2, timeout=30)
    time.sleep(WARMUP)
    meter = CpuMeter(pids)
    meter.begin()
    own = time.process_time()
    began = time.monotonic()
    while time.monotonic() - began < MEASURE:
        time.sleep(1)
        meter.sample()
    elapsed = time.monotonic() - began
    used = {pid: meter.last[pid] - meter.first[pid] for pid in meter.last}
    return used, time.process_time() - own, elapsed


def ours(config: ProgrammeConfig) -> tuple[float, dict[str, Any]]:
    inputs = tuple(
        ProgrammeInput(name, f"udp://127.0.0.1:{free_port(2)}") for name, _, _ in CAMERAS
    )
    config = ProgrammeConfig(
        inputs=inputs,
        output_dir=config.output_dir,
        control_address=f"tcp://127.0.0.1:{free_port()}",
    )
    state = ProgrammeState(cut=0, pip=1, lower_third=SPEAKER)
    supervisor = Supervisor(config, state)
    feeds = cameras([i.url for i in inputs])
    supervisor.start()
    try:
        used, own, elapsed = measure(supervisor.pids, config.output_dir)
        names = {supervisor.mixer.pid: "mixer", supervisor.slate.pid: "slate"}
        names |= {ingest.camera.pid: "ingests" for ingest in supervisor.ingests}
        health = supervisor.health()
    finally:
        supervisor.stop()
        stop(feeds)
    parts = {"relays (this process)": own}
    for pid, seconds in used.items():
        name = names.get(pid, "restarted")
        parts[name] = parts.get(name, 0.0) + seconds
    for name, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  ours: {name:<22} {seconds / elapsed * 60:6.1f} cpu s/min")
    return (sum(used.values()) + own) / elapsed * 60, health


def bare_command(config: ProgrammeConfig, urls: list[str]) -> list[str]:
    """Same inputs, same ladder and encoder, a plain cut; HLS only."""
    c, n = config.canvas, len(urls)
    outs = "".join(f"[l{i}]" for i in range(len(config.ladder)))
    graph = [
        "".join(f"[{i}:v]" for i in range(n))
        + f"streamselect=inputs={n}:map=0,scale={c.width}:{c.height},"
        + f"split={len(config.ladder)}{outs}",
        *(f"[l{i}]scale={r.width}:{r.height}[video{i}]" for i, r in enumerate(config.ladder)),
        "[0:a]aformat=sample_fmts=fltp:channel_layouts=stereo[sound]",
    ]
    hls = [a for key, value in hls_options(config).items() for a in (f"-{key}", value)]
    hls[hls.index("-hls_flags") + 1] = "omit_endlist+independent_segments+delete_segments"
    return [
        # "fatal": joining the cameras mid-stream, the decoder complains until a key frame.
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "fatal"),
        *[a for url in urls for a in ("-f", "mpegts", "-i", url)],
        *("-filter_complex", ";".join(graph)),
        *encoder_args(config),
        *hls,
        f"{config.output_dir}/%v/index.m3u8",
    ]


def bare(config: ProgrammeConfig) -> float:
    urls = [f"udp://127.0.0.1:{free_port(2)}" for _ in CAMERAS]
    command = bare_command(config, urls)
    process = start(command)
    feeds = cameras(urls)
    try:
        used, _, elapsed = measure(lambda: [process.pid], config.output_dir)
        return sum(used.values()) / elapsed * 60
    finally:
        stop([process])
        stop(feeds)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-mixer-") as tmp:
        base = ProgrammeConfig(inputs=(), output_dir=Path(tmp) / "ours")
        ours_value, health = ours(base)
        bare_dir = ProgrammeConfig(inputs=(), output_dir=Path(tmp) / "bare", ladder=LADDER)
        bare_dir.output_dir.mkdir()
        bare_value = bare(bare_dir)
    progress = health.get("progress", {})
    print(f"cores: {os.cpu_count()}, window {MEASURE:.0f} s after {WARMUP:.0f} s warm-up")
    print(f"ours (ingests + slate + mixer + relays)  {ours_value:6.1f} cpu s/min")
    print(f"bare ffmpeg, same encoding               {bare_value:6.1f} cpu s/min")
    print(f"mixer at the end: speed {progress.get('speed')}, restarts {health.get('restarts')}")
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    print(last_line("mixer_cpu_ratio", ours_value, "cpu_s_per_min", bare_value, 1.1))


if __name__ == "__main__":
    main()
