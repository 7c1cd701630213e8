"""The broadcast queue's tasks. Run a worker of that queue beside the server:

    celery -A council worker -Q broadcast --pool threads --concurrency 4

(one thread per sitting broadcast at the same time). Each worker also runs a watchdog:
a broadcast that should be running but whose runner stopped beating (its worker was
killed or restarted) is handed to a live worker, which kills what is left and starts
the programme again, appending to the same playlists after a discontinuity."""

from __future__ import annotations

import datetime
import logging
import threading
from typing import Any

from celery import shared_task
from celery.signals import worker_ready, worker_shutting_down
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from sessions.services import media_sweep

from .models import Broadcast
from .runner import WORKER_STOPPING, BroadcastRunner
from .services import dispatch

logger = logging.getLogger(__name__)

# A runner beats every second: this much silence means it is gone.
STALE_AFTER = datetime.timedelta(seconds=4)
# A broadcast asked for but not claimed this long after: its message was lost.
UNCLAIMED_AFTER = datetime.timedelta(seconds=20)
WATCH_EVERY = 1.0


@shared_task(name="streaming.tasks.run_broadcast", ignore_result=True)
def run_broadcast(broadcast_id: int) -> None:
    BroadcastRunner(broadcast_id).run()


def orphaned_broadcasts() -> list[Broadcast]:
    """Claimed and silent, or never claimed; locked, skipping those another worker holds."""
    now = timezone.now()
    return list(
        Broadcast.objects.select_for_update(skip_locked=True).filter(
            Q(heartbeat_at__lt=now - STALE_AFTER)
            | Q(heartbeat_at__isnull=True, started_at__lt=now - UNCLAIMED_AFTER),
            state__in=Broadcast.RUNNING,
        )
    )


@transaction.atomic
def rescue_orphans() -> list[int]:
    rescued = []
    for broadcast in orphaned_broadcasts():
        logger.warning(
            "broadcast %s lost its runner (%s): restarting", broadcast.pk, broadcast.worker
        )
        broadcast.state = Broadcast.State.RESTARTING
        broadcast.heartbeat_at = timezone.now()  # not rescued twice while the task travels
        broadcast.save(update_fields=["state", "heartbeat_at", "updated_at"])
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
def start_watchdog(sender: Any = None, **_: Any) -> None:
    """Every worker watches (several watchdogs skip each other's locked rows)."""
    threading.Thread(
        target=watch, args=(threading.Event(),), name="broadcast-watchdog", daemon=True
    ).start()
