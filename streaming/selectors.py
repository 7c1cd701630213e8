"""Reads of the broadcast and its replay: nothing here writes, nor creates a row (the
broadcast is created by the first command of the régie: streaming.broadcast)."""

from __future__ import annotations

from django.db.models import QuerySet

from sessions.models import Sitting

from .lease import runner_gone
from .media import replay_file
from .models import Broadcast, Camera, Replay


def broadcast_for(sitting: Sitting) -> Broadcast | None:
    """The sitting's broadcast, if the régie ever acted on it."""
    return Broadcast.objects.filter(sitting=sitting).first()


def broadcast_shown(sitting: Sitting) -> Broadcast:
    """What the régie shows: the sitting's broadcast, or one not started yet (not stored:
    the page's first command stores it)."""
    return broadcast_for(sitting) or Broadcast(sitting=sitting)


def cameras_of(sitting: Sitting) -> list[Camera]:
    """The programme's inputs, in their order: input n is the n-th camera of the room."""
    return list(Camera.objects.filter(room_id=sitting.place_id).order_by("position", "name"))


def running_broadcasts() -> QuerySet[Broadcast]:
    return Broadcast.objects.filter(state__in=Broadcast.RUNNING)


def orphan_ids() -> list[int]:
    """The running broadcasts whose runner is gone, read without a lock (the watchdog
    locks them and judges them again: streaming.broadcast.broadcast_rescue)."""
    return [broadcast.pk for broadcast in running_broadcasts() if runner_gone(broadcast)]


def replay_of(sitting: Sitting) -> Replay | None:
    """The sitting's replay in whatever state (being prepared, ready, failed)."""
    return Replay.objects.filter(sitting=sitting).first()


def replay_for(sitting: Sitting) -> Replay | None:
    """The sitting's published replay, if one is ready and its file is there."""
    replay = Replay.objects.filter(sitting=sitting, state=Replay.State.READY).first()
    if replay is None or not replay_file(replay).is_file():
        return None
    return replay


def sitting_window(sitting: Sitting) -> tuple[float, float] | None:
    """[opened, closed] in epoch seconds, from the sitting's log (the first opening, the
    last closing); None when the log does not say."""
    opened = sitting.log.filter(kind="opened").order_by("at").first()
    if opened is None:
        return None
    closed = sitting.log.filter(kind="closed").order_by("at").last()
    end = closed.at.timestamp() if closed else float("inf")
    return opened.at.timestamp(), end
