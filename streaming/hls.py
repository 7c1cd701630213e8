"""Where a sitting's HLS output lives, and what may be served from it."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Only the names the programme writes: playlists and fMP4 init/media segments.
SERVABLE = re.compile(r"^[A-Za-z0-9_-]{1,40}(/[A-Za-z0-9_-]{1,40})?\.(m3u8|m4s|mp4|vtt)$")
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "vtt": "text/vtt",
}


def hls_dir(sitting_id: int) -> Path:
    return Path(settings.SEANCE_HLS_DIR) / str(sitting_id)


def recording_dir(sitting_id: int) -> Path:
    """The sitting's recording, one MPEG-TS part per run of the mixer (private)."""
    return Path(settings.SEANCE_RECORDING_DIR) / str(sitting_id) / "recording"


def preview_dir(sitting_id: int) -> Path:
    """The technician's previews of each camera (private)."""
    return Path(settings.SEANCE_RECORDING_DIR) / str(sitting_id) / "preview"


def servable(sitting_id: int, name: str) -> Path | None:
    """The file for `name` under the sitting's HLS folder, or None if it may not be served."""
    if not SERVABLE.match(name):
        return None
    path = hls_dir(sitting_id) / name
    return path if path.is_file() else None


def content_type(path: Path) -> str:
    return CONTENT_TYPES[path.suffix.lstrip(".")]


def is_live(sitting_id: int) -> bool:
    return (hls_dir(sitting_id) / "master.m3u8").is_file()


ENDLIST = "#EXT-X-ENDLIST"


def media_playlists(directory: Path) -> list[Path]:
    """The public media playlists under a sitting's HLS folder (`<rendition>/index.m3u8`,
    any other servable playlist that lists segments rather than variants)."""
    found = []
    for path in sorted([*directory.glob("*.m3u8"), *directory.glob("*/*.m3u8")]):
        name = path.relative_to(directory).as_posix()
        if SERVABLE.match(name) and "#EXT-X-STREAM-INF" not in read_playlist(path):
            found.append(path)
    return found


def end_playlists(directory: Path | str) -> None:
    """`EXT-X-ENDLIST` after the last segment of every media playlist of a sitting (RFC
    8216, 4.3.3.4): the broadcast has ended, players stop polling and may seek over the
    whole window. Idempotent. Each playlist is replaced whole (a temporary file renamed
    over it), so a player never reads half of one; call it once the mixer has stopped,
    since a playlist rewritten after it would lose the tag again."""
    for path in media_playlists(Path(directory)):
        text = read_playlist(path)
        if not text or _has_endlist(text):
            continue
        write_atomically(path, text.rstrip("\n") + f"\n{ENDLIST}\n")


def _has_endlist(text: str) -> bool:
    return any(line.strip() == ENDLIST for line in text.splitlines())


def read_playlist(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:  # removed meanwhile (a rendition gone)
        return ""


def write_atomically(path: Path, text: str) -> None:
    """`text` as the new content of `path`, all at once for any reader: written beside it
    under a name nobody serves, flushed, then renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class RenditionBytes:
    """What one rendition's segments weighed over a broadcast, as published."""

    bytes: int = 0
    seconds: float = 0.0

    @property
    def per_hour(self) -> int:
        """Bytes per hour of listening to this rendition alone."""
        return round(self.bytes / self.seconds * 3600) if self.seconds else 0


class SegmentTally:
    """The size and duration of every segment each public media playlist has listed, once
    each (by its media sequence number), from the files on disk: what a viewer of each
    rendition downloads, for the sobriety figures (bytes per viewer-hour). Fed by the
    publisher (`streaming.programme.playlists`) with what it has just parsed."""

    def __init__(self) -> None:
        self.renditions: dict[str, RenditionBytes] = {}
        self._counted: dict[str, int] = {}  # by rendition: the last sequence number counted
        self._lock = threading.Lock()

    def count(self, folder: Path, segments: Iterable[tuple[int, str, float]]) -> None:
        """The segments (media sequence number, URI, duration) a rendition's playlist lists
        as just published, counted once each: those numbered past the last one counted.
        Only a new segment's file is looked at (its size), never the playlist again."""
        rendition = folder.name
        with self._lock:
            totals = self.renditions.setdefault(rendition, RenditionBytes())
            last = self._counted.get(rendition, -1)
            for number, uri, duration in segments:
                if number <= last:
                    continue
                try:
                    totals.bytes += (folder / uri).stat().st_size
                    totals.seconds += duration
                except FileNotFoundError:
                    pass  # already deleted from the window: not counted
                self._counted[rendition] = last = number

    def as_dict(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                name: {"bytes": t.bytes, "seconds": round(t.seconds, 6)}
                for name, t in sorted(self.renditions.items())
            }


def per_viewer_hour(tally: dict[str, dict[str, float]]) -> list[tuple[str, int]]:
    """Bytes per viewer-hour of each rendition a viewer can choose, from a tally
    (`SegmentTally.as_dict`): a picture rendition with the sound it plays with (the audio
    rendition), the sound alone, largest first."""
    rates = {
        name: RenditionBytes(int(t["bytes"]), float(t["seconds"])).per_hour
        for name, t in tally.items()
    }
    sound = rates.get("audio", 0)
    rows = [(name, rate + sound) for name, rate in rates.items() if name != "audio"]
    rows.sort(key=lambda row: -row[1])
    return [*rows, ("audio", sound)] if "audio" in rates else rows
