"""Where a sitting's HLS output lives, and what may be served from it."""

from __future__ import annotations

import re
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
