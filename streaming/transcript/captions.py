"""The transcript as French WebVTT captions (RGAA 4.1-4.3), and the replay's download with
them as a subtitle stream (mov_text in the MP4, by stream copy of everything else).

A caption holds at most two short lines and a few seconds; a segment longer than that is
cut between words. The first caption of each speaker's turn names them ("Name : …"), and
every caption carries its speaker as a WebVTT voice span."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from ..media import ffmpeg, replay_file, replay_folder, run_ffmpeg, vtt_time
from ..models import Transcript, TranscriptSegment

MAX_CHARS = 84  # two lines of 42 characters
MAX_SECONDS = 6.0


def escape(text: str) -> str:
    """Cue text as WebVTT wants it: no markup, no cue timing arrow, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def cue_texts(segment: TranscriptSegment) -> list[tuple[float, float, str]]:
    """The segment cut into captions between its words."""
    words = segment.words or [[segment.start, segment.end, segment.text]]
    cues: list[tuple[float, float, str]] = []
    start, text = words[0][0], ""
    for i, (a, b, word) in enumerate(words):
        if text and (len(text) + len(word) > MAX_CHARS or b - start > MAX_SECONDS):
            cues.append((start, words[i - 1][1], text.strip()))
            start, text = a, ""
        text += word
    if text.strip():
        cues.append((start, words[-1][1], text.strip()))
    return cues


def captions_vtt(transcript: Transcript) -> str:
    lines = ["WEBVTT", "Kind: captions", "Language: fr", ""]
    previous: tuple[int | None, str] | None = None
    n = 0
    last_end = 0.0
    for segment in transcript.segments.order_by("start", "id"):
        speaker = (segment.member_id, segment.speaker)
        for k, (a, b, text) in enumerate(cue_texts(segment)):
            start, end = max(a, last_end), max(b, a + 0.3)
            n += 1
            said = escape(text)
            if k == 0 and speaker != previous and segment.speaker:
                said = f"{escape(segment.speaker)} : {said}"
            voice = escape(segment.speaker).replace(">", "")
            cue = f"<v {voice}>{said}</v>" if voice else said
            lines += [f"cue-{n}", f"{vtt_time(start)} --> {vtt_time(end)}", cue, ""]
            last_end = end
        previous = speaker
    return "\n".join(lines)


def captioned_file(transcript: Transcript) -> Path:
    replay = transcript.replay
    return replay_folder(replay.sitting_id) / f"replay-{replay.sha256[:8]}-fr.mp4"


def make_captioned(transcript: Transcript) -> tuple[str, int]:
    """The replay's MP4 with the captions as a French mov_text stream; its SHA-256, size."""
    source = replay_file(transcript.replay)
    target = captioned_file(transcript)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".captions-") as tmp:
        vtt = Path(tmp) / "captions.vtt"
        vtt.write_text(captions_vtt(transcript), encoding="utf-8")
        out = Path(tmp) / "captioned.mp4"
        run_ffmpeg([
            ffmpeg(), "-v", "error", "-y", "-i", str(source), "-i", str(vtt),
            "-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text",
            "-metadata:s:s:0", "language=fra", "-metadata:s:s:0", "title=Français",
            "-disposition:s:0", "default", "-movflags", "+faststart", str(out),
        ])  # fmt: skip
        with out.open("rb") as f:
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
        out.replace(target)
    return sha256, target.stat().st_size


def transcript_chapters(transcript: Transcript) -> list[dict[str, Any]]:
    """The transcript by item: one chapter per item in the order discussed, each with its
    segments (a segment before any item is in a chapter without a title)."""
    chapters: list[dict[str, Any]] = []
    for segment in transcript.segments.select_related("member").order_by("start", "id"):
        if not chapters or chapters[-1]["item_id"] != segment.item_id:
            chapters.append(
                {"item_id": segment.item_id, "title": segment.item_title, "segments": []}
            )
        chapters[-1]["segments"].append(segment)
    return chapters
