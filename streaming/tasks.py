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
from django.db import close_old_connections, transaction
from django.utils import timezone

from sessions.services import media_sweep

from .lease import runner_gone
from .models import Broadcast
from .runner import WORKER_STOPPING, BroadcastRunner
from .services import dispatch

logger = logging.getLogger(__name__)

WATCH_EVERY = 1.0


@shared_task(name="streaming.tasks.run_broadcast", ignore_result=True)
def run_broadcast(broadcast_id: int) -> None:
    BroadcastRunner(broadcast_id).run()


@shared_task(
    name="streaming.tasks.transcribe_replay", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
)  # fmt: skip
def transcribe_replay(transcript_id: int) -> None:
    """A replay's transcript (streaming.transcript.job); resumes where a lost run stopped."""
    from .transcript.job import transcript_run

    transcript_run(transcript_id=transcript_id)


@shared_task(
    name="streaming.tasks.build_replay", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
)  # fmt: skip
def build_replay(sitting_id: int) -> None:
    """A closed sitting's replay (streaming.replay), once its broadcast has ended: sent by
    the runner after its closing slate, or by the close itself when no runner holds the
    broadcast (streaming.services.closed_without_runner). Built again from scratch if the
    worker was lost meanwhile."""
    from sessions.models import Sitting

    from .replay import build_replay as build

    build(Sitting.objects.get(pk=sitting_id))


def orphaned_broadcasts() -> list[Broadcast]:
    """The running broadcasts whose runner is gone, read without a lock, then locked
    (skipping those another watchdog holds) and judged again as they are now."""
    running = Broadcast.objects.filter(state__in=Broadcast.RUNNING)
    gone = [broadcast.pk for broadcast in running if runner_gone(broadcast)]
    if not gone:
        return []
    locked = Broadcast.objects.select_for_update(skip_locked=True).filter(
        pk__in=gone, state__in=Broadcast.RUNNING
    )
    return [broadcast for broadcast in locked if runner_gone(broadcast)]


@transaction.atomic
def rescue_orphans() -> list[int]:
    """Each orphan is handed to the queue, unclaimed: no watchdog sends it again while
    the task travels (streaming.lease.UNCLAIMED_AFTER), the next runner claims it."""
    rescued = []
    for broadcast in orphaned_broadcasts():
        logger.warning(
            "broadcast %s lost its runner (%s): restarting", broadcast.pk, broadcast.worker
        )
        broadcast.state = Broadcast.State.RESTARTING
        broadcast.worker = ""
        broadcast.heartbeat_at = timezone.now()
        broadcast.save(update_fields=["state", "worker", "heartbeat_at", "updated_at"])
        dispatch(broadcast)
        rescued.append(broadcast.pk)
    return rescued


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


@worker_shutting_down.connect
def hand_over(**_: Any) -> None:
    """A warm shutdown waits for the running tasks: the runners must end theirs."""
    WORKER_STOPPING.set()


@worker_ready.connect
def resume_transcripts(sender: Any = None, **_: Any) -> None:
    """Transcripts whose worker is gone (restarted) are queued again: each resumes from
    its last stored segment. From a thread: with eager tasks (no broker) the job runs
    there, and must not hold up the worker's start (nor its broadcast watchdog)."""
    from .transcript.job import transcripts_to_resume

    def resume() -> None:
        try:
            transcripts_to_resume()
        except Exception:  # a database not yet reachable must not stop the worker
            logger.exception("transcripts to resume")
        finally:
            close_old_connections()

    threading.Thread(target=resume, name="transcripts-resume", daemon=True).start()


@worker_ready.connect
def start_watchdog(sender: Any = None, **_: Any) -> None:
    """Every worker watches (several watchdogs skip each other's locked rows)."""
    threading.Thread(
        target=watch, args=(threading.Event(),), name="broadcast-watchdog", daemon=True
    ).start()
