"""Presence through the media connection (R26, R27): a member who joins the sitting's
video arrives in the attendance log, remote or in the remote room they joined from; one
who leaves it ("Quitter") departs at once; a connection that drops is a departure only
once the grace period has passed without a reconnection (settled then by the sweep the
video's server schedules for that moment, and by the broadcast watchdog's, every second,
should that server be gone), and coming back is a new arrival. What that presence is
worth (counted in an intercommunality sitting held in several places, never in a
commune) is the regime's business, through the quorum. Every arrival and departure goes
through `attendance_record`, which sends the desk its snapshot: the roll and the quorum
follow at once."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from council.models import Member, Room

from ..models import AttendanceEvent, MediaConnection, Sitting
from ..selectors import kept_out_ids, presence
from .attendance import LIVE, attendance_record
from .common import lock

Mode = AttendanceEvent.Mode
Kind = AttendanceEvent.Kind


def grace() -> datetime.timedelta:
    """A dropped connection that comes back within this is not a departure."""
    return datetime.timedelta(seconds=getattr(settings, "SEANCE_MEDIA_GRACE_SECONDS", 20))


@transaction.atomic
def media_connected(
    *, sitting: Sitting, member: Member, channel: str, room: Room | None = None
) -> MediaConnection:
    """Logs the arrival unless the member is already present (in the chamber, or still
    within the grace period of a lost connection)."""
    sitting = lock(sitting)
    connection = MediaConnection.objects.create(
        sitting=sitting, member=member, room=room, channel=channel, connected_at=timezone.now()
    )
    # A reconnection settles the earlier losses: the member never left.
    MediaConnection.objects.filter(
        sitting=sitting, member=member, lost_at__isnull=False, settled=False
    ).update(settled=True)
    if (
        sitting.state in LIVE
        and member.id not in presence(sitting)
        and member.id not in kept_out_ids(sitting)  # R24: not back by their video
    ):
        mode = Mode.REMOTE_ROOM if room is not None else Mode.REMOTE
        attendance_record(
            sitting=sitting, member=member, kind=Kind.ARRIVAL, mode=mode, room=room, user=None
        )
    return connection


@transaction.atomic
def media_lost(*, channel: str) -> MediaConnection | None:
    """A connection that dropped: the grace period runs from now (`media_sweep`)."""
    connection = MediaConnection.objects.select_for_update().filter(channel=channel).first()
    if connection is not None and connection.lost_at is None:
        connection.lost_at = timezone.now()
        connection.save(update_fields=["lost_at"])
    return connection


@transaction.atomic
def media_left(*, channel: str) -> AttendanceEvent | None:
    """A clean leave: the councillor left the video themself. No grace period (nothing to
    wait for): the departure is logged now, unless another of their connections is live
    or they sit in the chamber (R26, R27)."""
    connection = media_lost(channel=channel)
    if connection is None:
        return None
    return _settle(connection.sitting_id, connection.member_id, cutoff=None)


def media_sweep(now: datetime.datetime | None = None) -> list[AttendanceEvent]:
    """Departures for the connections lost longer than the grace period, of members with
    no other live connection who are present by video. The video's server runs it when a
    dropped connection's grace period ends (streaming.visio.presence); the broadcast
    watchdog, every second, for a server that went away meanwhile."""
    now = now or timezone.now()
    departures = []
    due = MediaConnection.objects.filter(settled=False, lost_at__lt=now - grace())
    for sitting_id, member_id in set(due.values_list("sitting_id", "member_id")):
        event = _settle(sitting_id, member_id, cutoff=now - grace())
        if event is not None:
            departures.append(event)
    return departures


@transaction.atomic
def _settle(
    sitting_id: int, member_id: int, cutoff: datetime.datetime | None
) -> AttendanceEvent | None:
    """The member's departure if no connection of theirs is live. The losses settled are
    those before `cutoff` (the grace period's start), or all of them (a clean leave)."""
    sitting = lock(Sitting(pk=sitting_id))
    connections = MediaConnection.objects.filter(sitting=sitting, member_id=member_id)
    if connections.filter(lost_at__isnull=True).exists():
        connections.filter(lost_at__isnull=False).update(settled=True)  # still connected
        return None
    lost = connections.filter(settled=False, lost_at__isnull=False)
    (lost if cutoff is None else lost.filter(lost_at__lt=cutoff)).update(settled=True)
    here = presence(sitting).get(member_id)
    if sitting.state not in LIVE or here is None or here.mode == Mode.CHAMBER:
        return None  # left already, or in the chamber: the roll keeper decides
    member = Member.objects.get(pk=member_id)
    return attendance_record(sitting=sitting, member=member, kind=Kind.DEPARTURE, user=None)
