"""The replay of a sitting (R34): its recording from opening to closing, minus every cut
span (closed session, protected speech, suspension), remuxed to one MP4 with chapters.

ffmpeg does all the media work by stream copy; Python only computes the spans, maps wall
clock times onto the replay's timeline and keeps the published file safe: a rebuild is
made in a temporary folder and swapped in only once it is complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from sessions.models import Sitting

from .hls import recording_dir
from .media import (
    ReplayError,
    chapters_file,
    ffmpeg,
    replay_file,
    replay_folder,
    run_ffmpeg,
    vtt_time,
)
from .models import Broadcast, CutSpan, Replay
from .selectors import sitting_window
from .transcript.job import transcript_schedule

logger = logging.getLogger(__name__)

MIN_PIECE = 0.5  # seconds; shorter pieces of recording are not worth a cut
MIN_CHAPTER = 0.5


@dataclass(frozen=True)
class Part:
    """One mixer run's recording: its file, wall clock start (epoch s) and duration."""

    path: Path
    started: float
    duration: float

    @property
    def ended(self) -> float:
        return self.started + self.duration


@dataclass(frozen=True)
class Piece:
    """A kept stretch of one part, in wall clock seconds, and its place in the replay."""

    part: Part
    start: float
    end: float
    offset: float = 0.0  # where it begins in the replay

    @property
    def duration(self) -> float:
        return self.end - self.start


Span = tuple[float, float]


# --- public helpers ----------------------------------------------------------------------


def cut_seconds(replay: Replay) -> dict[str, float]:
    """Seconds removed from the replay, per kind of cut."""
    totals: dict[str, float] = {}
    for span in replay.cut:
        totals[span["kind"]] = totals.get(span["kind"], 0.0) + span["end"] - span["start"]
    return totals


# --- build -------------------------------------------------------------------------------


def build_replay(sitting: Sitting) -> Replay:
    """Build (or rebuild) the sitting's replay. On failure the replay is FAILED with the
    reason, unless a previous replay was READY: that one stays published, with the error
    of the rebuild noted."""
    replay, _ = Replay.objects.get_or_create(sitting=sitting)
    folder = replay_folder(sitting.pk)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as tmp:
        try:
            made = _build_into(sitting, Path(tmp))
        except ReplayError as err:
            return _failed(replay, str(err))
        except (OSError, subprocess.SubprocessError) as err:
            logger.exception("replay of sitting %s", sitting.pk)
            return _failed(replay, f"ffmpeg failed: {err}")
        old = replay_file(replay) if replay.sha256 else None
        target = folder / f"replay-{made['sha256'][:8]}.mp4"
        (Path(tmp) / "replay.mp4").replace(target)
        (Path(tmp) / "chapters.vtt").replace(chapters_file(replay))
    replay.state = Replay.State.READY
    replay.duration = made["duration"]
    replay.size = made["size"]
    replay.sha256 = made["sha256"]
    replay.chapters = made["chapters"]
    replay.cut = made["cut"]
    replay.timeline = made["timeline"]
    replay.error = ""
    replay.made_at = timezone.now()
    replay.save()
    if old is not None and old != target:
        old.unlink(missing_ok=True)
    transcript_schedule(replay=replay)  # its captions, once committed (streaming.transcript)
    return replay


def _failed(replay: Replay, error: str) -> Replay:
    replay.error = error
    if replay.state != Replay.State.READY or not replay_file(replay).is_file():
        replay.state = Replay.State.FAILED
    replay.save(update_fields=["state", "error"])
    return replay


def _build_into(sitting: Sitting, tmp: Path) -> dict[str, Any]:
    parts = recording_parts(sitting.pk)
    if not parts:
        raise ReplayError(f"No recording found for this sitting in {recording_dir(sitting.pk)}.")
    opened, closed = sitting_window(sitting) or (parts[0].started, parts[-1].ended)
    window = (opened, min(closed, parts[-1].ended))  # never closed: up to the end
    cuts = cut_spans(sitting, end=window[1])
    pieces = kept_pieces(parts, window, [(s, e) for _, s, e in cuts])
    if not pieces:
        raise ReplayError("Nothing of the recording is left once the cuts are removed.")
    pieces = _cut_pieces(pieces, tmp)
    mp4 = tmp / "replay.mp4"
    _concat(pieces, tmp, mp4)
    duration = probe_duration(mp4)
    chapters = chapter_list(sitting, pieces, window, duration)
    (tmp / "chapters.vtt").write_text(chapters_vtt(chapters), encoding="utf-8")
    cut = [
        {"kind": kind, "start": round(max(s, window[0]) - window[0], 1),
         "end": round(min(e, window[1]) - window[0], 1)}
        for kind, s, e in cuts
        if min(e, window[1]) > max(s, window[0])
    ]  # fmt: skip
    return {
        "duration": round(duration, 2),
        "size": mp4.stat().st_size,
        "sha256": _sha256(mp4),
        "chapters": chapters,
        "cut": cut,
        "timeline": [
            {"start": round(p.start, 3), "end": round(p.end, 3), "offset": round(p.offset, 3)}
            for p in pieces
        ],
    }


# --- spans -------------------------------------------------------------------------------


def recording_parts(sitting_id: int) -> list[Part]:
    """The recording's parts with a sidecar, in order of their start."""
    parts = []
    for path in sorted(recording_dir(sitting_id).glob("part-*.ts")):
        sidecar = path.with_suffix(".json")
        try:
            started = float(json.loads(sidecar.read_text())["started"])
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("recording part %s has no usable sidecar; skipped", path)
            continue
        duration = probe_duration(path)
        if duration > 0:
            parts.append(Part(path, started, duration))
    return sorted(parts, key=lambda p: p.started)


def cut_spans(sitting: Sitting, end: float) -> list[tuple[str, float, float]]:
    """Every cut span of the sitting's broadcast; a span still open ends at `end`."""
    broadcast = Broadcast.objects.filter(sitting=sitting).first()
    if broadcast is None:
        return []
    spans = []
    for span in CutSpan.objects.filter(broadcast=broadcast):
        stop = span.ended_at.timestamp() if span.ended_at else end
        spans.append((span.kind, span.started_at.timestamp(), stop))
    return spans


def subtract(span: Span, holes: list[Span]) -> list[Span]:
    """`span` without the `holes`, as ordered disjoint spans."""
    kept = [span]
    for h0, h1 in sorted(holes):
        nxt = []
        for s, e in kept:
            if h1 <= s or h0 >= e:
                nxt.append((s, e))
                continue
            if h0 > s:
                nxt.append((s, h0))
            if h1 < e:
                nxt.append((h1, e))
        kept = nxt
    return kept


def kept_pieces(parts: list[Part], window: Span, cuts: list[Span]) -> list[Piece]:
    """The stretches of the parts inside the window and outside every cut."""
    pieces = []
    for part in parts:
        span = (max(part.started, window[0]), min(part.ended, window[1]))
        if span[1] - span[0] < MIN_PIECE:
            continue
        for s, e in subtract(span, cuts):
            if e - s >= MIN_PIECE:
                pieces.append(Piece(part, s, e))
    return pieces


def to_replay_time(t: float, pieces: list[Piece]) -> float:
    """A wall clock time on the replay's timeline; a time in a cut or a gap maps to the
    beginning of what follows it."""
    for piece in pieces:
        if t < piece.start:
            return piece.offset
        if t < piece.end:
            return piece.offset + min(t - piece.start, piece.duration)
    last = pieces[-1]
    return last.offset + last.duration


# --- chapters ----------------------------------------------------------------------------


def chapter_list(
    sitting: Sitting, pieces: list[Piece], window: Span, total: float
) -> list[dict[str, Any]]:
    """One chapter per agenda item taken up during the sitting, on the replay's timeline."""
    items = {item.pk: item for item in sitting.items.all()}
    marks = []
    for entry in sitting.log.filter(kind="item_taken_up").order_by("at", "id"):
        at = entry.at.timestamp()
        item = items.get(entry.data.get("item"))
        if item is not None and window[0] <= at <= window[1]:
            marks.append((to_replay_time(at, pieces), f"{item.position}. {item.title}"))
    chapters = []
    for i, (start, title) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else total
        end = min(end, total)
        if end - start >= MIN_CHAPTER:
            chapters.append({"start": round(start, 2), "end": round(end, 2), "title": title})
    return chapters


def chapters_vtt(chapters: list[dict[str, Any]]) -> str:
    lines = ["WEBVTT", ""]
    for n, chapter in enumerate(chapters, start=1):
        title = chapter["title"].replace("-->", "→").replace("\n", " ")
        lines += [
            f"chapter-{n}",
            f"{vtt_time(chapter['start'])} --> {vtt_time(chapter['end'])}",
            title,
            "",
        ]
    return "\n".join(lines)


# --- ffmpeg ------------------------------------------------------------------------------


def probe_duration(path: Path) -> float:
    """The media's duration in seconds, by ffprobe when installed, else by ffmpeg's header."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe:
        done = subprocess.run(
            [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
             str(path)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        try:
            return float(done.stdout.strip())
        except ValueError:
            pass
    done = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    found = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", done.stderr)
    if not found:
        return 0.0
    h, m, s = found.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def _cut_pieces(pieces: list[Piece], tmp: Path) -> list[Piece]:
    """Copy each kept stretch out of its part (input seeking: it starts on the keyframe at
    or before the cut, 1 s GOPs); returns the pieces with their offsets in the replay."""
    placed = []
    offset = 0.0
    for n, piece in enumerate(pieces):
        out = tmp / f"piece-{n:04d}.ts"
        run_ffmpeg([
            ffmpeg(), "-v", "error", "-y",
            "-ss", f"{piece.start - piece.part.started:.3f}",
            "-t", f"{piece.duration:.3f}",
            "-i", str(piece.part.path),
            "-map", "0", "-c", "copy", "-f", "mpegts", str(out),
        ])  # fmt: skip
        actual = probe_duration(out) or piece.duration
        # the piece may begin a little early (keyframe): keep its wall clock end
        placed.append(Piece(piece.part, piece.end - actual, piece.end, offset))
        offset += actual
    return placed


def _concat(pieces: list[Piece], tmp: Path, out: Path) -> None:
    listing = tmp / "pieces.txt"
    listing.write_text("".join(f"file '{tmp / f'piece-{n:04d}.ts'}'\n" for n in range(len(pieces))))
    run_ffmpeg([
        ffmpeg(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
        "-map", "0", "-c", "copy", "-bsf:a", "aac_adtstoasc", "-movflags", "+faststart",
        str(out),
    ])  # fmt: skip


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
