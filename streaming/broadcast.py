"""The broadcast's life, one guarded service per transition (OpenSlides' one action per
transition): each checks the state it starts from, and who holds the broadcast, then
writes. Nothing else sets `Broadcast.state`.

    idle, stopped, failed --start--> starting --heartbeat--> live | restarting
    starting, live, restarting --stop--> stopping (stopped at once if its runner is gone)
    starting, live, restarting --claim--> (held by the runner that claims it)
    held, running --hand over--> restarting (unclaimed, for the next worker)
    held, running or stopping --end--> stopped
    held, running or stopping --fail--> failed
    running, runner gone --rescue--> restarting (unclaimed, sent to the queue again)
    running, no runner left at the close --stop at the close--> stopped

The runner (streaming.runner) holds the broadcast by a lease (streaming.lease): its
`worker` field, renewed by `broadcast_lease_renew`. The runner's refusals are races that
the runner expects (a task sent twice, a stop asked for between two ticks) and catches;
the technician's are shown by the régie."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from sessions.models import Sitting
from sessions.services.common import User, log

from .errors import BroadcastRefused, Code
from .jobs import replay_build_on_commit, runner_dispatch_on_commit
from .lease import LOCAL_RUNNERS, kill_leftovers, runner_gone
from .models import Broadcast
from .selectors import cameras_of, orphan_ids

logger = logging.getLogger(__name__)

ENDED = (Broadcast.State.STOPPED, Broadcast.State.FAILED)


@dataclass(frozen=True)
class RunnerReport:
    """What the runner says of its mixer once a second (streaming.runner.heartbeat)."""

    running: bool
    health: dict[str, Any]
    pid: int | None
    pids: list[int]
    restarts: int
    last_error: str


def next_rev(programme: dict[str, Any]) -> int:
    """Every write of the programme numbers it: the runner reports the number it has
    applied (`health["rev"]`), so the régie knows when a command has reached the mixer."""
    return int(programme.get("rev") or 0) + 1


def sitting_slate(sitting: Sitting) -> str | None:
    if sitting.in_closed_session:
        return "closed_session"
    if sitting.state == Sitting.State.SUSPENDED:
        return "suspended"
    if sitting.state == Sitting.State.OPEN:
        return None
    return "before_start"


def initial_programme(sitting: Sitting, previous: dict[str, Any]) -> dict[str, Any]:
    """What the programme shows when it starts: the slate that the sitting's state calls
    for, the wide shot, and the technician's choice of automatic direction kept."""
    return {
        "cut": 0,
        "pip": None,
        "lower_third": None,
        "slate": sitting_slate(sitting),
        "muted": False,
        "auto": previous.get("auto", True),
        "shot": None,
        "shots": previous.get("shots", 0),
        "rev": next_rev(previous),
    }


def broadcast_locked(sitting: Sitting) -> Broadcast:
    """The sitting's broadcast under its row lock, created by the régie's first command
    (the régie's page only reads: streaming.selectors)."""
    broadcast, _created = Broadcast.objects.get_or_create(sitting=sitting)
    return Broadcast.objects.select_for_update().get(pk=broadcast.pk)


def broadcast_running(sitting: Sitting) -> Broadcast:
    broadcast = broadcast_locked(sitting)
    if broadcast.state not in Broadcast.RUNNING:
        raise BroadcastRefused(Code.NOT_RUNNING)
    return broadcast


def _check_startable(sitting: Sitting) -> None:
    if sitting.state in (Sitting.State.DRAFT, Sitting.State.CLOSED):
        raise BroadcastRefused(Code.SITTING_NOT_LIVE)
    if not cameras_of(sitting):
        raise BroadcastRefused(Code.NO_CAMERA, room=sitting.place)


@transaction.atomic
def broadcast_start(*, sitting: Sitting, user: User) -> Broadcast:
    """Idle, stopped or failed → starting, from the programme the sitting calls for; handed
    to a worker of the broadcast queue once committed."""
    _check_startable(sitting)
    broadcast = broadcast_locked(sitting)
    if broadcast.state in Broadcast.RUNNING:
        raise BroadcastRefused(Code.ALREADY_RUNNING)
    broadcast.state = Broadcast.State.STARTING
    broadcast.programme = initial_programme(sitting, broadcast.programme)
    broadcast.worker = ""
    broadcast.last_error = ""
    broadcast.started_at = timezone.now()
    broadcast.heartbeat_at = None
    broadcast.save()
    log(sitting, "broadcast_started", user)
    runner_dispatch_on_commit(broadcast.pk)
    return broadcast


@transaction.atomic
def broadcast_stop(*, sitting: Sitting, user: User) -> Broadcast:
    """Running → stopping: the runner stops at its next tick. A broadcast whose runner is
    gone (no worker left) is stopped at once, there is nobody to ask."""
    broadcast = broadcast_running(sitting)
    gone = runner_gone(broadcast)
    broadcast.state = Broadcast.State.STOPPED if gone else Broadcast.State.STOPPING
    broadcast.save(update_fields=["state", "updated_at"])
    log(sitting, "broadcast_stopped", user)
    return broadcast


def broadcast_stopped_at_close(broadcast: Broadcast) -> bool:
    """Running, its runner gone, at the sitting's close → stopped (the caller holds the
    row lock: streaming.services.closed_without_runner). False if it was not running."""
    if broadcast.state not in Broadcast.RUNNING:
        return False
    broadcast.state = Broadcast.State.STOPPED
    broadcast.save(update_fields=["state", "updated_at"])
    return True


# --- the runner's transitions ------------------------------------------------------------


def _held(broadcast_id: int, worker: str) -> Broadcast:
    """The broadcast under its row lock, if `worker` holds it."""
    broadcast = (
        Broadcast.objects.select_for_update(of=("self",))
        .select_related("sitting")
        .get(pk=broadcast_id)
    )
    if broadcast.worker != worker:
        raise BroadcastRefused(Code.NOT_HELD)
    return broadcast


def _refusal(broadcast_id: int, worker: str) -> BroadcastRefused:
    """Why a conditional write of `worker` changed nothing."""
    held_by = Broadcast.objects.filter(pk=broadcast_id).values_list("worker", flat=True)
    return BroadcastRefused(Code.NOT_RUNNING if worker in held_by else Code.NOT_HELD)


@transaction.atomic
def broadcast_claim(*, broadcast_id: int, worker: str) -> Broadcast:
    """Running and held by nobody alive → held by `worker` (a task sent twice does not take
    it from its live runner). This process's watchdog knows of the runner as soon as the
    claim can be read (streaming.lease.runner_gone); a dead predecessor's ffmpegs go."""
    broadcast = Broadcast.objects.select_for_update().select_related("sitting").get(pk=broadcast_id)
    if broadcast.state not in Broadcast.RUNNING:
        raise BroadcastRefused(Code.NOT_RUNNING)
    if broadcast.worker and not runner_gone(broadcast):
        raise BroadcastRefused(Code.HELD_ELSEWHERE)
    LOCAL_RUNNERS[broadcast_id] = threading.current_thread()
    kill_leftovers(broadcast.pids)
    broadcast.worker = worker
    broadcast.pids = []
    broadcast.heartbeat_at = timezone.now()
    broadcast.save(update_fields=["worker", "pids", "heartbeat_at", "updated_at"])
    return broadcast


def broadcast_wired(*, broadcast_id: int, worker: str, **wiring: Any) -> None:
    """Where the held broadcast's mixer listens (`control_address`) and where Janus sends
    the remote speaker (`remote_input`), as its runner set them up."""
    assert set(wiring) <= {"control_address", "remote_input"}
    if not Broadcast.objects.filter(pk=broadcast_id, worker=worker).update(
        **wiring, updated_at=timezone.now()
    ):
        raise BroadcastRefused(Code.NOT_HELD)


def broadcast_lease_renew(*, broadcast_id: int, worker: str) -> bool:
    """The runner's lease renewed (streaming.lease); False once another worker holds it."""
    mine = Broadcast.objects.filter(pk=broadcast_id, worker=worker)
    return bool(mine.update(heartbeat_at=timezone.now()))


def broadcast_heartbeat(*, broadcast_id: int, worker: str, report: RunnerReport) -> None:
    """Held and running → live (its mixer runs) or restarting, with the mixer's health.
    One conditional write: never over a stop asked for since the runner read the row."""
    state = Broadcast.State.LIVE if report.running else Broadcast.State.RESTARTING
    written = Broadcast.objects.filter(
        pk=broadcast_id, worker=worker, state__in=Broadcast.RUNNING
    ).update(
        state=state,
        health=report.health,
        pid=report.pid,
        pids=report.pids,
        restarts=report.restarts,
        last_error=report.last_error,
        updated_at=timezone.now(),
    )
    if not written:
        raise _refusal(broadcast_id, worker)


def broadcast_failed(*, broadcast_id: int, worker: str, error: str) -> None:
    """Held, running or stopping → failed, with the error for the technician."""
    written = Broadcast.objects.filter(
        pk=broadcast_id, worker=worker, state__in=[*Broadcast.RUNNING, Broadcast.State.STOPPING]
    ).update(state=Broadcast.State.FAILED, last_error=error[:2000], updated_at=timezone.now())
    if not written:
        raise _refusal(broadcast_id, worker)


@transaction.atomic
def broadcast_handed_over(*, broadcast_id: int, worker: str) -> Broadcast:
    """Held and running → restarting, its processes stopped (the worker shuts down): the
    next worker's watchdog takes it over once this process has ended."""
    broadcast = _held(broadcast_id, worker)
    if broadcast.state not in Broadcast.RUNNING:
        raise BroadcastRefused(Code.NOT_RUNNING)
    broadcast.state = Broadcast.State.RESTARTING
    broadcast.pid, broadcast.pids = None, []
    broadcast.save(update_fields=["state", "pid", "pids", "updated_at"])
    return broadcast


@transaction.atomic
def broadcast_ended(*, broadcast_id: int, worker: str) -> Broadcast:
    """Held, running or stopping → stopped, its processes gone. One that is already over
    (stopped by hand while its runner looked gone, or failed) stays as it is: its runner
    still ends what it ran."""
    broadcast = _held(broadcast_id, worker)
    if broadcast.state in ENDED:
        return broadcast
    if broadcast.state not in (*Broadcast.RUNNING, Broadcast.State.STOPPING):
        raise BroadcastRefused(Code.NOT_RUNNING)
    broadcast.state = Broadcast.State.STOPPED
    broadcast.pid, broadcast.pids, broadcast.heartbeat_at = None, [], None
    broadcast.save(update_fields=["state", "pid", "pids", "heartbeat_at", "updated_at"])
    return broadcast


def replay_after_broadcast(broadcast: Broadcast) -> None:
    """Once its runner has ended a closed sitting's broadcast, the recording becomes the
    replay (R34), built by a worker of the default queue."""
    if Sitting.objects.filter(pk=broadcast.sitting_id, state=Sitting.State.CLOSED).exists():
        replay_build_on_commit(broadcast.sitting_id)


# --- the watchdog ------------------------------------------------------------------------


def broadcast_rescue(*, broadcast: Broadcast) -> Broadcast:
    """Running, its runner really gone → restarting, unclaimed, handed to the queue: no
    watchdog sends it again while the task travels (streaming.lease.UNCLAIMED_AFTER), the
    next runner claims it. The caller holds the row lock (`rescue_orphans`)."""
    if broadcast.state not in Broadcast.RUNNING:
        raise BroadcastRefused(Code.NOT_RUNNING)
    if not runner_gone(broadcast):
        raise BroadcastRefused(Code.NOT_ORPHANED)
    logger.warning("broadcast %s lost its runner (%s): restarting", broadcast.pk, broadcast.worker)
    broadcast.state = Broadcast.State.RESTARTING
    broadcast.worker = ""
    broadcast.heartbeat_at = timezone.now()
    broadcast.save(update_fields=["state", "worker", "heartbeat_at", "updated_at"])
    runner_dispatch_on_commit(broadcast.pk)
    return broadcast


@transaction.atomic
def rescue_orphans() -> list[int]:
    """The running broadcasts whose runner is gone, read without a lock, then locked
    (skipping those another watchdog holds) and judged again as they are now."""
    gone = orphan_ids()
    if not gone:
        return []
    rescued = []
    for broadcast in Broadcast.objects.select_for_update(skip_locked=True).filter(pk__in=gone):
        try:
            rescued.append(broadcast_rescue(broadcast=broadcast).pk)
        except BroadcastRefused:
            continue  # taken up or stopped since it was read
    return rescued
