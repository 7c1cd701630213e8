"""Where a sitting's replay lives and the ffmpeg that makes it, for the replay's build
(streaming.replay) and its transcription (streaming.transcript) alike."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings

from .models import Replay


class ReplayError(Exception):
    """The replay could not be built; the message says why, for the clerk."""


def replay_folder(sitting_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "replays" / str(sitting_id)


def replay_file(replay: Replay) -> Path:
    return replay_folder(replay.sitting_id) / f"replay-{replay.sha256[:8]}.mp4"


def chapters_file(replay: Replay) -> Path:
    return replay_folder(replay.sitting_id) / "chapters.vtt"


def ffmpeg() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: list[str], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise ReplayError(f"ffmpeg failed ({done.returncode}): {' / '.join(tail)}")
    return done


def vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
