"""The live programme's test media, shared by the streaming and browser tests: simulated
cameras sent over UDP (`Feed`, `sending`), and the proof read back from the HLS segments
(colour of a frame, loudness of the sound), the way a viewer would receive them."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import imageio_ffmpeg

from streaming.ports import free_port
from streaming.programme.graph import FONT, ProgrammeConfig, ProgrammeInput, Rendition, RtpOut

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
RGB = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255)}
LADDER: tuple[Rendition, ...] = (Rendition("360p", 640, 360, 600), Rendition("240p", 426, 240, 300))
LADDER += (Rendition("180p", 320, 180, 200),)
TOP = LADDER[0].name
MAIN = (0.3, 0.35)  # a point of the main picture clear of every text, the PiP, the lower third


class Feed:
    """A simulated camera: its colour, its name drawn on it, its own tone, sent over UDP."""

    def __init__(self, name: str, colour: str, tone: int, port: int) -> None:
        self.name, self.url = name, f"udp://127.0.0.1:{port}"
        self.command = [
            *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error"),
            *("-re", "-f", "lavfi", "-i", f"color=c={colour}:s=640x360:r=25"),
            *("-re", "-f", "lavfi", "-i", f"sine=f={tone}:r=48000"),
            *("-vf", f"drawtext=fontfile={FONT}:text={name}:fontsize=36:fontcolor=white:x=16:y=16"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25"),
            *("-b:v", "400k", "-c:a", "aac", "-b:a", "64k"),
            *("-f", "mpegts", f"{self.url}?pkt_size=1316"),
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def sending(feeds: list[Feed]) -> Iterator[list[Feed]]:
    """The feeds, started for the block and stopped after it."""
    for feed in feeds:
        feed.start()
    try:
        yield feeds
    finally:
        for feed in feeds:
            feed.stop()


def wait_for(check: Callable[[], object], timeout: float, step: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {check}")


def eventually(check: Callable[[], object], timeout: float = 30) -> bool:
    """`check` of the programme's segments comes true: a command reaches the segments a
    moment later, the sound's later than the picture's (its filters hold samples), more
    so on a loaded machine. A check that found no new segment within its own bound is
    tried again."""

    def attempt() -> object:
        try:
            return check()
        except AssertionError:
            return False

    wait_for(attempt, timeout=timeout, step=0)
    return True


# Reading the output back


def segments(out: Path, rendition: str) -> list[Path]:
    return sorted((out / rendition).glob("seg_*.m4s"))


def segment_after_now(out: Path, rendition: str = TOP, timeout: float = 10) -> Path:
    """A segment whose every frame was mixed after this call: two past the newest."""
    number = int(segments(out, rendition)[-1].stem.split("_")[1]) + 2
    path = out / rendition / f"seg_{number:05d}.m4s"
    wait_for(path.exists, timeout)
    time.sleep(0.1)
    return path


def media(segment: Path) -> bytes:
    """The segment, playable on its own: the newest init section, then the fragment."""
    init = max(segment.parent.glob("init*.mp4"), key=lambda path: path.stat().st_mtime)
    return init.read_bytes() + segment.read_bytes()


def pixel(segment: Path, x: float, y: float) -> tuple[int, int, int]:
    """The colour at (x, y) (fractions of the width and height) of the segment's last
    frame, averaged over a 40th of the picture."""
    decoded = subprocess.run(
        [
            *("/usr/bin/ffmpeg", "-v", "error", "-i", "pipe:0"),
            *("-vf", "scale=40:40:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"),
        ],
        input=media(segment),
        capture_output=True,
        check=True,
    ).stdout
    at = len(decoded) - 40 * 40 * 3 + (int(y * 40) * 40 + int(x * 40)) * 3
    return decoded[at], decoded[at + 1], decoded[at + 2]


def frame_png(segment: Path) -> bytes:
    return subprocess.run(
        ["/usr/bin/ffmpeg", "-v", "error", "-i", "pipe:0", "-frames:v", "1", "-f", "apng", "-"],
        input=media(segment),
        capture_output=True,
        check=True,
    ).stdout


def picture(out: Path) -> tuple[int, int, int]:
    """The colour of the programme's main picture, clear of texts, PiP and lower third."""
    return pixel(segment_after_now(out), *MAIN)


def close_to(colour: tuple[int, int, int], expected: tuple[int, int, int] | str) -> bool:
    if isinstance(expected, str):
        expected = (int(expected[2:4], 16), int(expected[4:6], 16), int(expected[6:8], 16))
    return all(abs(a - b) <= 40 for a, b in zip(colour, expected, strict=True))


def loudness(out: Path) -> float:
    """The peak level, in dB, of an audio segment mixed after this call."""
    segment = segment_after_now(out, "audio")
    report = subprocess.run(
        ["/usr/bin/ffmpeg", "-i", "pipe:0", "-af", "volumedetect", "-f", "null", "-"],
        input=media(segment),
        capture_output=True,
        check=True,
    ).stderr.decode()
    found = re.search(r"max_volume: (-?[\d.]+|-inf) dB", report)
    assert found, report
    return float(found.group(1))


def ffprobe(target: Path) -> list[dict[str, object]]:
    report = subprocess.run(
        [
            *("/usr/bin/ffprobe", "-v", "error", "-show_entries"),
            *("stream=codec_type,codec_name,width,height", "-of", "json", str(target)),
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return list(json.loads(report)["streams"])


# The mixer's command line


def config_for(output_dir: Path, rtp_out: RtpOut | None, inputs: int = 1) -> ProgrammeConfig:
    """A programme of `inputs` cameras (their addresses unused: the command line only)."""
    return ProgrammeConfig(
        inputs=tuple(
            ProgrammeInput(f"Camera-{i}", f"udp://127.0.0.1:{9000 + i}") for i in range(inputs)
        ),
        output_dir=output_dir,
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=LADDER,
        preset="ultrafast",
        rtp_out=rtp_out,
    )


def tee_slaves(command: list[str]) -> list[str]:
    return command[command.index("tee") + 1].split("|")
