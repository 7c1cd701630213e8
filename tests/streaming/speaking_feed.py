"""A camera feed that speaks (the chamber's recorded speech), and the captions read back
from the programme's subtitles rendition."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from tests.streaming.media import Feed

from .chamber_speech import RATE, speak

SAID = [
    "Nous passons au budget primitif de la commune.",
    "Les travaux de la piscine commencent au printemps.",
]


class SpeakingFeed(Feed):
    """A camera whose sound is `wav`, looped."""

    def __init__(self, name: str, wav: Path, port: int) -> None:
        super().__init__(name, "gray", 440, port)
        at = self.command.index("sine=f=440:r=48000")
        self.command[at - 4 : at + 1] = ["-re", "-stream_loop", "-1", "-i", str(wav)]


def chamber(folder: Path) -> Path:
    """The sentences, each followed by two seconds of silence."""
    pause = np.zeros(2 * RATE, dtype=np.int16)
    parts = []
    for i, text in enumerate(SAID):
        parts += [speak(text, folder / f"{i}.wav"), pause]
    with wave.open(str(folder / "chamber.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.concatenate(parts).tobytes())
    return folder / "chamber.wav"


def subtitle_segments(out: Path) -> list[tuple[str, str]]:
    """The subtitles playlist's segments: (name, WebVTT text)."""
    try:
        text = (out / "subtitles" / "index.m3u8").read_text()
    except FileNotFoundError:
        return []
    names = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [(name, (out / "subtitles" / name).read_text()) for name in names]


def cue_texts(vtt: str) -> list[str]:
    blocks = vtt.split("\n\n")[1:]
    return [block.splitlines()[-1] for block in blocks if " --> " in block]
