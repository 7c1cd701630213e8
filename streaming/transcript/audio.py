"""The replay's sound for the recogniser: 16 kHz mono samples, decoded once by ffmpeg into a
raw file beside the replay (460 MB for four hours, 16-bit), from which the job reads one
stretch at a time, so that a long sitting never sits whole in memory.

Not ffmpeg's input seeking (`-ss` before `-i`): on a replay whose first piece begins on
a keyframe before the sound, it lands on the picture's start and shifts every time by up
to a second. Reading samples at their index is exact."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..media import ffmpeg, run_ffmpeg

RATE = 16_000
BYTES = 2  # signed 16-bit samples


def extract_sound(source: Path, target: Path) -> Path:
    """The replay's first sound stream as raw 16 kHz mono samples (made once, atomically)."""
    if target.is_file():
        return target
    partial = target.with_name(target.name + ".part")
    run_ffmpeg([
        ffmpeg(), "-v", "error", "-nostdin", "-y", "-i", str(source), "-map", "0:a:0", "-vn",
        "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-c:a", "pcm_s16le", str(partial),
    ])  # fmt: skip
    os.replace(partial, target)
    return target


def sound_seconds(path: Path) -> float:
    return path.stat().st_size / BYTES / RATE


def sound_stretch(path: Path, start: float, length: float) -> np.ndarray:
    """`length` seconds of samples from `start`, as float32 in [-1, 1] (shorter at the end
    of the sound, empty past it)."""
    first = max(0, int(start * RATE))
    count = max(0, int(length * RATE))
    with path.open("rb") as f:
        f.seek(first * BYTES)
        raw = f.read(count * BYTES)
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
