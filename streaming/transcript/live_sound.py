"""The programme's sound gathered into chunks for the recogniser: a few seconds each,
cut at a pause once MIN_CHUNK long, at the quietest moment when MAX_CHUNK is reached;
silence (quieter than SILENCE_DBFS) is never recognised."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .audio import RATE

MIN_CHUNK = 4.0  # a chunk is cut at a pause once it is this long...
MAX_CHUNK = 7.0  # ...and at its quietest moment when it reaches this
PAUSE = 0.4  # seconds of quiet that end a chunk
FRAME = 0.1  # the step at which a chunk's quietest moment is looked for
SILENCE_DBFS = -45.0  # quieter than this (RMS) is silence: nothing said
QUIET_DBFS = -38.0  # a pause between words


def dbfs(samples: np.ndarray) -> float:
    if not len(samples):
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return float(20 * np.log10(max(rms, 1e-6)))


@dataclass
class Chunk:
    """Sound gathered for the recogniser, from `start` (media time) on."""

    run: int
    start: float
    samples: list[np.ndarray] = field(default_factory=list)
    speaker: str = ""

    @property
    def sound(self) -> np.ndarray:
        return np.concatenate(self.samples) if self.samples else np.zeros(0, np.float32)

    @property
    def seconds(self) -> float:
        return sum(len(s) for s in self.samples) / RATE


def cut_point(sound: np.ndarray) -> int | None:
    """Where to end the chunk `sound`, in samples, or None to wait for more: at a pause
    once MIN_CHUNK long, at the quietest FRAME between MIN_CHUNK and MAX_CHUNK after that."""
    seconds = len(sound) / RATE
    if seconds < MIN_CHUNK:
        return None
    if dbfs(sound[-int(PAUSE * RATE) :]) < QUIET_DBFS:
        return len(sound)
    if seconds < MAX_CHUNK:
        return None
    step = int(FRAME * RATE)
    first, last = int(MIN_CHUNK * RATE), min(len(sound), int(MAX_CHUNK * RATE)) - step
    quietest = min(range(first, last + 1, step), key=lambda i: dbfs(sound[i : i + step]))
    return quietest + step // 2
