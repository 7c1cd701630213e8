"""The transcription job (R34): a replay's sound, recognised in French after the sitting,
segment by segment, each one stored as soon as it is recognised with how far the job has
come, so that a worker that stops or dies costs at most the segment under way: the next
run resumes from the last stored one. When the sound is done, the segments are attributed
to the floor (`floor`), and the captioned download is made (`captions`).

Services: `transcript_schedule` (when a replay is built), `transcript_run` (the Celery
task's body), `transcripts_to_resume` (when a worker starts).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sessions.search.services import search_forget_spoken

from ..jobs import transcribe_on_commit
from ..media import ReplayError, replay_file, replay_folder
from ..models import Replay, Transcript, TranscriptSegment
from .audio import RATE, extract_sound, sound_stretch
from .captions import make_captioned
from .floor import Segment, attribute, floor_turns
from .model import ModelUnavailable, bundled_installed, load_model, model_spec
from .search import transcript_index

logger = logging.getLogger(__name__)

CHUNK = 120.0  # seconds of sound decoded at a time (about 7.7 MB of samples)
GUARD = 3.0  # a segment ending this close to a stretch's end is redone in the next one
STALE = timedelta(minutes=5)  # a running job silent this long has lost its worker
# Greedy decoding, decoded again at a higher temperature only when a window comes out as a
# repetition loop or improbable (two tries more, not faster-whisper's five: each one costs
# the window's time again on a 2-core server). No prompt: a council's names and items
# given as Whisper's prompt made the small models invent them on silence.
TEMPERATURE = (0.0, 0.4, 0.8)
LANGUAGE = "fr"  # forced: never guessed from the first 30 s
RECOGNISER = {
    "language": LANGUAGE, "task": "transcribe", "word_timestamps": True, "vad_filter": True,
    "condition_on_previous_text": False, "temperature": TEMPERATURE,
}  # fmt: skip


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def model_available() -> bool:
    return bool(getattr(settings, "SEANCE_TRANSCRIPT_MODEL", "")) or bundled_installed()


# --- scheduling ---------------------------------------------------------------------------


def transcript_schedule(*, replay: Replay) -> Transcript | None:
    """A newly built replay gets its transcript queued; one of an older build of the replay
    starts over. Nothing when no model is installed (the page says the captions are not
    available)."""
    if not model_available() or replay.state != Replay.State.READY:
        return None
    transcript, created = Transcript.objects.get_or_create(
        replay=replay, defaults={"replay_sha256": replay.sha256}
    )
    same_build = not created and transcript.replay_sha256 == replay.sha256
    if same_build and transcript.state != Transcript.State.FAILED:
        return transcript  # already done or under way
    _reset(transcript, replay.sha256)
    transcribe_on_commit(transcript.pk)
    return transcript


def sound_file(transcript: Transcript) -> Path:
    """The replay's decoded sound, kept while the job runs (a resumed job reads it again)."""
    folder = replay_folder(transcript.replay.sitting_id)
    return folder / f".sound-{transcript.replay_sha256[:8]}.s16"


def _reset(transcript: Transcript, sha256: str) -> None:
    transcript.segments.all().delete()
    search_forget_spoken(sitting=transcript.replay.sitting)
    folder = replay_folder(transcript.replay.sitting_id)
    for old in [*folder.glob("replay-*-fr.mp4"), *folder.glob(".sound-*")]:
        old.unlink(missing_ok=True)  # the captioned download of an older build, its sound
    transcript.replay_sha256 = sha256
    transcript.state = Transcript.State.PENDING
    transcript.done = transcript.spent = 0.0
    transcript.error = transcript.worker = transcript.captioned_sha256 = ""
    transcript.captioned_size = 0
    transcript.started_at = transcript.finished_at = transcript.heartbeat_at = None
    transcript.save()


def worker_gone(transcript: Transcript, now: Any = None) -> bool:
    """A running job whose worker is silent since STALE, or was a process of this host
    that no longer exists (a restarted worker)."""
    now = now or timezone.now()
    if transcript.heartbeat_at is None or now - transcript.heartbeat_at > STALE:
        return True
    host, _, pid = transcript.worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def transcripts_to_resume() -> list[int]:
    """The jobs a starting worker takes up again: waiting ones, and running ones whose
    worker is gone. Each is queued; a job another worker still runs is left alone by the
    run itself (`_claim`)."""
    found = []
    for transcript in Transcript.objects.filter(
        state__in=[Transcript.State.PENDING, Transcript.State.RUNNING]
    ):
        if transcript.state == Transcript.State.PENDING or worker_gone(transcript):
            found.append(transcript.pk)
    for pk in found:
        transcribe_on_commit(pk)
    return found


# --- the run ------------------------------------------------------------------------------


@transaction.atomic
def _claim(transcript_id: int, worker: str) -> Transcript | None:
    transcript = (
        Transcript.objects.select_for_update()
        .select_related("replay__sitting__assembly")
        .filter(pk=transcript_id)
        .first()
    )
    if transcript is None or transcript.state == Transcript.State.READY:
        return None
    taken = transcript.state == Transcript.State.RUNNING and transcript.worker != worker
    if taken and not worker_gone(transcript):
        return None  # another worker has it
    now = timezone.now()
    transcript.state = Transcript.State.RUNNING
    transcript.worker = worker
    transcript.heartbeat_at = now
    transcript.started_at = transcript.started_at or now
    transcript.error = ""
    transcript.save()
    return transcript


def transcript_run(*, transcript_id: int, worker: str | None = None) -> Transcript | None:
    """Transcribe the replay from where its stored segments end, then attribute them and
    make the captioned download. Returns None when there is nothing for this worker to do."""
    worker = worker or worker_name()
    transcript = _claim(transcript_id, worker)
    if transcript is None:
        return None
    replay = transcript.replay
    try:
        if replay.sha256 != transcript.replay_sha256 or not replay_file(replay).is_file():
            raise ReplayError(_("The replay was rebuilt or removed during its transcription."))
        spec = model_spec()
        transcript.model = spec.name
        transcript.duration = replay.duration
        transcript.save(update_fields=["model", "duration"])
        model = load_model(spec)
        for seg, done, spent in recognise(model, transcript):
            if not _store(transcript, worker, seg, done, spent):
                return None  # taken over by another worker
        _finish(transcript)
    except (ModelUnavailable, ReplayError, OSError, RuntimeError, ValueError) as err:
        # RuntimeError, ValueError: CTranslate2's own, for a model it cannot load or run
        logger.exception("transcript %s", transcript.pk)
        Transcript.objects.filter(pk=transcript.pk).update(
            state=Transcript.State.FAILED, error=str(err), worker=""
        )
        transcript.refresh_from_db()
    return transcript


def recognise(model: Any, transcript: Transcript) -> Iterator[tuple[Segment | None, float, float]]:
    """(segment, seconds of sound done, seconds of work so far) as they are recognised,
    from `transcript.done` on, a stretch of CHUNK seconds at a time. A segment that ends
    within GUARD of a stretch's end (it may be cut mid-word) is left to the next stretch,
    which starts where it starts."""
    path = sound_file(transcript)
    extract_sound(replay_file(transcript.replay), path)
    position, spent = transcript.done, transcript.spent
    while position < transcript.duration - 0.25:
        clock = time.monotonic()
        samples = sound_stretch(path, position, CHUNK)
        length = samples.size / RATE
        last = length < 1.0 or position + length >= transcript.duration - 0.25
        resume = position + length if last else position + length - GUARD
        found, _info = model.transcribe(samples, **RECOGNISER)
        for s in found:
            if not last and s.end > length - GUARD:  # the stretch's own times
                resume = max(position + 0.5, position + s.start)
                break
            spent += time.monotonic() - clock
            clock = time.monotonic()
            words = [(position + w.start, position + w.end, w.word) for w in (s.words or [])]
            seg = Segment(position + s.start, position + s.end, s.text.strip(), words)
            if seg.text:
                yield seg, position + s.end, spent
        spent += time.monotonic() - clock
        position = max(resume, position + 0.5)
        yield None, min(position, transcript.duration), spent


@transaction.atomic
def _store(
    transcript: Transcript, worker: str, seg: Segment | None, done: float, spent: float
) -> bool:
    """Store one segment with the progress, if this worker still runs the job."""
    mine = Transcript.objects.select_for_update().filter(
        pk=transcript.pk, worker=worker, state=Transcript.State.RUNNING
    )
    if not mine.exists():
        return False
    if seg is not None:
        TranscriptSegment.objects.create(
            transcript=transcript, start=round(seg.start, 3), end=round(seg.end, 3),
            text=seg.text, words=[[round(a, 3), round(b, 3), w] for a, b, w in seg.words],
        )  # fmt: skip
    transcript.done = max(transcript.done, done)
    transcript.spent = spent
    transcript.heartbeat_at = timezone.now()
    mine.update(done=transcript.done, spent=spent, heartbeat_at=transcript.heartbeat_at)
    return True


def _finish(transcript: Transcript) -> None:
    """The floor's attribution, then the captioned download; the job is READY."""
    transcript_attribute(transcript=transcript)
    sha256, size = make_captioned(transcript)
    sound_file(transcript).unlink(missing_ok=True)
    Transcript.objects.filter(pk=transcript.pk).update(
        state=Transcript.State.READY, done=transcript.duration, finished_at=timezone.now(),
        captioned_sha256=sha256, captioned_size=size, worker="",
    )  # fmt: skip
    transcript.refresh_from_db()
    transcript_index(transcript=transcript)  # what was said, found in the archive


@transaction.atomic
def transcript_attribute(*, transcript: Transcript) -> int:
    """Give every segment its speaker, role and item from the sitting's records, splitting
    those that span a change (idempotent: it can run again after a correction of the
    log). Returns the number of segments."""
    with translation.override("fr"):  # the roles, as the published transcript says them
        return _attribute(transcript)


def _attribute(transcript: Transcript) -> int:
    rows = list(transcript.segments.order_by("start", "id"))
    segments = [
        Segment(r.start, r.end, r.text, [(w[0], w[1], w[2]) for w in r.words]) for r in rows
    ]
    turns = floor_turns(transcript.replay.sitting, transcript.replay)
    made = attribute(segments, turns)
    transcript.segments.all().delete()
    TranscriptSegment.objects.bulk_create(
        TranscriptSegment(
            transcript=transcript, start=round(s.start, 3), end=round(s.end, 3), text=s.text,
            words=[[a, b, w] for a, b, w in s.words],
            member=s.turn.member if s.turn else None,
            speaker=s.turn.speaker if s.turn else "", role=s.turn.role if s.turn else "",
            item=s.turn.item if s.turn else None,
            item_title=s.turn.item_title if s.turn else "",
        )
        for s in made
    )  # fmt: skip
    return len(made)
