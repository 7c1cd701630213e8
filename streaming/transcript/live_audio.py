"""The public audio rendition as the live captions read it: the segments its playlist
lists (with their tags, to be listed again beside their captions), and each segment's
sound decoded to 16 kHz mono in the process (PyAV)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..hls import ENDLIST
from .audio import RATE


@dataclass(frozen=True)
class AudioSegment:
    """One segment of the public audio playlist, as listed there."""

    sequence: int  # its media sequence number
    uri: str
    tags: tuple[str, ...]  # its lines before the URI (EXTINF, date, discontinuity)
    discontinuity: bool

    @property
    def vtt(self) -> str:
        return Path(self.uri).stem + ".vtt"


@dataclass
class Playlist:
    header: list[str]
    segments: list[AudioSegment]
    ended: bool


def parse_audio_playlist(text: str) -> Playlist:
    lines = [line for line in text.splitlines() if line.strip()]
    header: list[str] = []
    segments: list[AudioSegment] = []
    sequence, tags, started = 0, [], False
    for line in lines:
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        opens = line.startswith(("#EXTINF", "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-MAP"))
        started = started or opens or line == "#EXT-X-DISCONTINUITY"
        if not started:
            header.append(line)
        elif line.startswith("#EXT-X-MAP") or line == ENDLIST:
            continue
        elif line.startswith("#"):
            tags.append(line)
        else:
            segments.append(
                AudioSegment(sequence, line, tuple(tags), "#EXT-X-DISCONTINUITY" in tags)
            )
            sequence, tags = sequence + 1, []
    return Playlist(header, segments, ENDLIST in lines)


def decode_segment(init: bytes, segment: bytes) -> tuple[float, np.ndarray]:
    """An fMP4 audio segment's media time (s) and its sound as 16 kHz mono float32."""
    # PyAV (faster-whisper's decoder) loads FFmpeg's libraries: only in a process that
    # makes live captions, not in every one that imports the runner.
    import av

    start: float | None = None
    chunks: list[np.ndarray] = []
    container: Any = av.open(io.BytesIO(init + segment), format="mp4")
    with container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            if start is None and frame.pts is not None and frame.time_base is not None:
                start = float(frame.pts * frame.time_base)
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return start or 0.0, samples.astype(np.float32)
