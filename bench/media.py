"""Shared by the media benchmarks (mixer_cpu, hls_serve, hls_latency): synthetic cameras,
the CPU time of processes, free ports, a static HLS ladder producer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")

from streaming.ports import free_port  # noqa: E402, F401  (the benchmarks import it from here)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CAMERAS = [("Camera-A", "red", 440), ("Camera-B", "lime", 660), ("Camera-C", "blue", 880)]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The barcode of `barcode_camera`: BITS blocks of BLOCK_W x BAND_H pixels along the top.
BITS, BLOCK_W, BAND_H = 32, 20, 32


def wait_for(check: Callable[[], object], timeout: float, step: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(step)
    raise TimeoutError(f"not within {timeout} s: {check}")


def camera_command(name: str, colour: str, tone: int, url: str) -> list[str]:
    """A simulated camera as tests/streaming/test_programme.py's Feed: 640x360 at 25 fps,
    H.264 and AAC in MPEG-TS over UDP."""
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error"),
        *("-re", "-f", "lavfi", "-i", f"color=c={colour}:s=640x360:r=25"),
        *("-re", "-f", "lavfi", "-i", f"sine=f={tone}:r=48000"),
        *("-vf", f"drawtext=fontfile={FONT}:text={name}:fontsize=36:fontcolor=white:x=16:y=16"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25"),
        *("-b:v", "400k", "-c:a", "aac", "-b:a", "64k"),
        *("-f", "mpegts", f"{url}?pkt_size=1316"),
    ]


def barcode_filter(base_ms: int) -> str:
    """A grey 640x360 picture whose top band carries the wall-clock time at which the frame
    was made, in milliseconds since `base_ms`, as BITS black/white blocks (most significant
    first). `setpts=RTCTIME` stamps each frame when it leaves the `-re` source, so `T` in
    `geq` is the wall-clock epoch in seconds; the time stamps start at 0 again afterwards."""
    bit = f"mod(floor((T*1000-{base_ms})/pow(2,{BITS - 1}-floor(X/{BLOCK_W}))),2)"
    return (
        f"settb=1/1000,setpts=RTCTIME/1000,format=gray,"
        f"geq=lum='if({bit},235,16)',setpts=PTS-STARTPTS,"
        f"pad=640:360:0:0:color=gray,format=yuv420p"
    )


def barcode_camera_command(base_ms: int, url: str) -> list[str]:
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error"),
        *("-re", "-f", "lavfi", "-i", f"color=c=gray:s={BITS * BLOCK_W}x{BAND_H}:r=25"),
        *("-re", "-f", "lavfi", "-i", "sine=f=440:r=48000"),
        *("-vf", barcode_filter(base_ms)),
        *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25"),
        *("-b:v", "400k", "-c:a", "aac", "-b:a", "64k"),
        *("-f", "mpegts", f"{url}?pkt_size=1316"),
    ]


def start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL)


def stop(processes: Iterable[subprocess.Popen[bytes] | None]) -> None:
    for process in processes:
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of `pid` and of its waited-for children, or None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # After the ")": state is field 3, so utime..cstime (14..17) are indexes 11..14.
    return sum(int(x) for x in fields[11:15]) / CLOCK_TICKS


class CpuMeter:
    """The CPU time a changing set of processes spends between `begin` and `end`: each
    pid's last reading counts (a process restarted in between counts from its start)."""

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self.pids = pids
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.open = False

    def begin(self) -> None:
        self.first = {p: c for p in self.pids() if (c := cpu_seconds(p)) is not None}
        self.last = dict(self.first)
        self.open = True

    def sample(self) -> None:
        for pid in self.pids():
            if (used := cpu_seconds(pid)) is not None:
                self.first.setdefault(pid, 0.0)
                self.last[pid] = used

    def total(self) -> float:
        return sum(self.last[p] - self.first[p] for p in self.last)


def ladder_command(
    out: Path, ladder: Iterable[tuple[str, int, int, int]], preset: str
) -> list[str]:
    """A stand-alone live HLS ladder (fMP4, 1 s segments, audio rendition) from a moving
    test picture, laid out as the programme's: <out>/master.m3u8, <out>/<name>/index.m3u8."""
    ladder = list(ladder)
    n = len(ladder)
    splits = "".join(f"[s{i}]" for i in range(n))
    graph = [f"[0:v]split={n}{splits}"]
    graph += [f"[s{i}]scale={w}:{h}[v{i}]" for i, (_, w, h, _) in enumerate(ladder)]
    args = [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error"),
        *("-re", "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25"),
        *("-re", "-f", "lavfi", "-i", "sine=f=440:r=48000"),
        *("-filter_complex", ";".join(graph)),
        *[a for i in range(n) for a in ("-map", f"[v{i}]")],
        *("-map", "1:a", "-c:v", "libx264", "-preset", preset),
        *("-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "0"),
        *("-c:a", "aac", "-b:a", "128k"),
    ]
    for i, (_, _, _, kbps) in enumerate(ladder):
        args += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{kbps * 11 // 10}k"]
        args += [f"-bufsize:v:{i}", f"{kbps}k"]
    videos = [f"v:{i},agroup:audio,name:{name}" for i, (name, *_) in enumerate(ladder)]
    return [
        *args,
        *("-f", "hls", "-hls_time", "1", "-hls_segment_type", "fmp4"),
        *("-hls_list_size", "10", "-hls_delete_threshold", "10"),
        *("-hls_flags", "omit_endlist+independent_segments+delete_segments+temp_file"),
        *("-master_pl_name", "master.m3u8", "-hls_segment_filename", f"{out}/%v/seg_%05d.m4s"),
        *("-var_stream_map", " ".join(["a:0,agroup:audio,name:audio", *videos])),
        f"{out}/%v/index.m3u8",
    ]


def machine_load() -> str:
    """The load averages: other work on these 2 cores skews every figure (printed)."""
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
