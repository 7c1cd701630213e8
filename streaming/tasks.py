"""The broadcast queue's tasks. Run a worker of that queue beside the server:

    celery -A council worker -Q broadcast --pool threads --concurrency 4

(one thread per sitting broadcast at the same time). Each worker also runs a watchdog:
a broadcast that should be running but whose runner is really gone (its worker was
killed or restarted, or its lease lapsed: streaming.lease; a runner late to write is not
gone) is handed to a live worker, which kills what is left and starts the programme
again, appending to the same playlists after a discontinuity."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import shared_task
from celery.signals import worker_ready, worker_shutting_down
from django.db import close_old_connections

from sessions.models import Sitting
from sessions.services import media_sweep

from .broadcast import rescue_orphans
from .replay import build_replay as replay_build
from .runner import WORKER_STOPPING, BroadcastRunner
from .transcript.job import transcript_run, transcripts_to_resume

logger = logging.getLogger(__name__)

WATCH_EVERY = 1.0


@shared_task(name="streaming.tasks.run_broadcast", ignore_result=True)  # type: ignore[untyped-decorator]
def run_broadcast(broadcast_id: int) -> None:
    BroadcastRunner(broadcast_id).run()


@shared_task(  # type: ignore[untyped-decorator]
    name="streaming.tasks.transcribe_replay", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
)  # fmt: skip
def transcribe_replay(transcript_id: int) -> None:
    """A replay's transcript (streaming.transcript.job); resumes where a lost run stopped."""
    transcript_run(transcript_id=transcript_id)


@shared_task(  # type: ignore[untyped-decorator]
    name="streaming.tasks.build_replay", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
)  # fmt: skip
def build_replay(sitting_id: int) -> None:
    """A closed sitting's replay (streaming.replay), once its broadcast has ended: sent by
    the runner after its closing slate, or by the close itself when no runner holds the
    broadcast (streaming.services.closed_without_runner). Built again from scratch if the
    worker was lost meanwhile."""
    replay_build(Sitting.objects.get(pk=sitting_id))


def watch(stop: threading.Event) -> None:
    """Every second: broadcasts without a runner, and councillors whose video connection
    was lost longer than the grace period (their departure is logged)."""
    while not stop.wait(WATCH_EVERY):
        try:
            close_old_connections()
            rescue_orphans()
            media_sweep()
        except Exception:  # a database hiccup must not end the watchdog
            logger.exception("broadcast watchdog")


@worker_shutting_down.connect  # type: ignore[untyped-decorator]
def hand_over(**_: Any) -> None:
    """A warm shutdown waits for the running tasks: the runners must end theirs."""
    WORKER_STOPPING.set()


@worker_ready.connect  # type: ignore[untyped-decorator]
def resume_transcripts(sender: Any = None, **_: Any) -> None:
    """Transcripts whose worker is gone (restarted) are queued again: each resumes from
    its last stored segment. From a thread: with eager tasks (no broker) the job runs
    there, and must not hold up the worker's start (nor its broadcast watchdog)."""

    def resume() -> None:
        try:
            transcripts_to_resume()
        except Exception:  # a database not yet reachable must not stop the worker
            logger.exception("transcripts to resume")
        finally:
            close_old_connections()

    threading.Thread(target=resume, name="transcripts-resume", daemon=True).start()


@worker_ready.connect  # type: ignore[untyped-decorator]
def start_watchdog(sender: Any = None, **_: Any) -> None:
    """Every worker watches (several watchdogs skip each other's locked rows)."""
    threading.Thread(
        target=watch, args=(threading.Event(),), name="broadcast-watchdog", daemon=True
    ).start()
