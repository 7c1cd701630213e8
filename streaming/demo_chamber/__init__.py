"""The demo's closed sitting, heard (R34): there is no recording of a real council to ship,
so the morning sitting of Ingeville is held on the times of a short French speech made
once with espeak-ng (chamber.ogg, its text and times in chamber.json, made by
`make_speech.py`; NOTE.md). The demo gives the floor as the speech goes, records the
chamber's picture (the simulated cameras' one) with that sound as the sitting's recording,
builds the replay and runs the transcription job on it: captions with the speakers' names
and the items, from the sitting's own floor log. No download at run time: ffmpeg is
imageio-ffmpeg's, the model the `[model]` extra's (bin/demo installs it).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

from django.utils import timezone

from sessions.models import Sitting, SpeakingRequest

from ..hls import recording_dir
from ..media import ffmpeg
from ..models import Replay, Transcript
from ..replay import build_replay
from ..selectors import replay_for
from ..simulator.chamber import render_chamber
from ..transcript.job import transcript_run

HERE = Path(__file__).parent
SOUND = HERE / "chamber.ogg"
PICTURE = (640, 360)
COLOUR = "0x35557a"  # the first simulated camera's walls


@cache
def script() -> dict[str, Any]:
    """What is said, by whom (chair, rapporteur, councillor), on which item, when (seconds
    from the recording's start), and when each item is taken up, put to the vote, closed."""
    said: dict[str, Any] = json.loads((HERE / "chamber.json").read_text(encoding="utf-8"))
    return said


@dataclass
class HistoryClock:
    """The time the services read while the demo holds its past sitting: `at(s)` sets it
    to s seconds after the sitting's start."""

    start: datetime.datetime
    now: datetime.datetime

    def at(self, seconds: float) -> datetime.datetime:
        self.now = self.start + datetime.timedelta(seconds=seconds)
        return self.now


@contextlib.contextmanager
def history_clock(start: datetime.datetime) -> Iterator[HistoryClock]:
    """Fabricated history only (the demo's past sitting): every service called inside
    stamps its records with the clock's time instead of now, so that the sitting's log,
    floor and ballots fall at the times of the speech."""
    clock = HistoryClock(start, start)
    with mock.patch.object(timezone, "now", lambda: clock.now):
        yield clock


def heard(sitting: Sitting) -> bool:
    """The sitting was held on the speech's times (its floor log has the speakers)."""
    return SpeakingRequest.objects.filter(sitting=sitting, started_at__isnull=False).exists()


def record_chamber(sitting: Sitting, started: datetime.datetime) -> Path:
    """The sitting's recording, as a mixer run would leave it: the chamber's picture and
    the speech, H.264 + AAC in MPEG-TS, and its sidecar with its wall clock start."""
    folder = recording_dir(sitting.pk)
    part = folder / "part-0001.ts"
    sidecar = {"run": 1, "started": started.timestamp(), "demo": SOUND.name}
    try:
        if part.is_file() and json.loads(part.with_suffix(".json").read_text()) == sidecar:
            return part  # made already, for this sitting
    except (OSError, ValueError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".make-") as tmp:
        picture = render_chamber(Path(tmp) / "chamber.png", PICTURE, COLOUR)
        made = Path(tmp) / "part.ts"
        subprocess.run(
            [ffmpeg(), "-v", "error", "-y", "-loop", "1", "-framerate", "5", "-i", str(picture),
             "-i", str(SOUND), "-t", f"{script()['duration']:.2f}", "-map", "0:v", "-map", "1:a",
             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-g", "5",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-ar", "48000",
             "-f", "mpegts", str(made)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        made.replace(part)
    part.with_suffix(".json").write_text(json.dumps(sidecar))
    return part


def demo_replay(sitting: Sitting) -> tuple[Replay | None, Transcript | None]:
    """The sitting's replay and its transcript, made once: a second call finds them ready
    and does nothing. The transcription is run here (it may also be queued to a worker: the
    job's claim lets only one run it)."""
    replay = replay_for(sitting)
    if replay is None:
        record_chamber(sitting, sitting.starts_at)
        replay = build_replay(sitting)  # queues its transcription (run at once if eager)
        if replay.state != Replay.State.READY:
            return replay, None
    transcript = Transcript.objects.filter(replay=replay).first()
    if transcript is not None and transcript.state != Transcript.State.READY:
        transcript = transcript_run(transcript_id=transcript.pk) or transcript
        transcript.refresh_from_db()
    return replay, transcript
