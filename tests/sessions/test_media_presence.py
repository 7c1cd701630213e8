"""Presence through the media connection (R26, R27): joining by video is an arrival, a
connection lost beyond the grace period a departure, a reconnection an arrival; the
regime decides whether it counts toward the quorum."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from council.models import Assembly, Room
from sessions import services
from sessions.models import AttendanceEvent
from sessions.selectors import presence, quorum_for
from tests import factories as f

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(seconds=60)


def log_of(sitting, member) -> list[tuple[str, str]]:
    return [
        (e.kind, e.mode)
        for e in AttendanceEvent.objects.filter(sitting=sitting, member=member).order_by("id")
    ]


def test_a_dropped_connection_is_a_departure_after_the_grace_period(settings) -> None:
    settings.SEANCE_MEDIA_GRACE_SECONDS = 20
    a = f.assembly(members=5)
    s = f.convened(a)
    member = f.councillors(a)[0]
    services.media_connected(sitting=s, member=member, channel="ws-1")
    assert log_of(s, member) == [("arrival", "remote")]

    services.media_lost(channel="ws-1")
    assert services.media_sweep() == []  # within the grace period: still present
    assert member.id in presence(s)

    [departure] = services.media_sweep(timezone.now() + LATER)
    assert (departure.kind, departure.mode) == ("departure", "remote")
    assert member.id not in presence(s)
    assert services.media_sweep(timezone.now() + LATER) == []  # settled once

    services.media_connected(sitting=s, member=member, channel="ws-2")
    assert log_of(s, member)[-1] == ("arrival", "remote")


def test_a_reconnection_within_the_grace_period_is_no_departure(settings) -> None:
    a = f.assembly(members=5)
    s = f.convened(a)
    member = f.councillors(a)[0]
    services.media_connected(sitting=s, member=member, channel="ws-1")
    services.media_lost(channel="ws-1")
    services.media_connected(sitting=s, member=member, channel="ws-2")
    assert services.media_sweep(timezone.now() + LATER) == []
    assert log_of(s, member) == [("arrival", "remote")]


def test_a_member_in_the_chamber_is_not_moved_by_the_video() -> None:
    a = f.assembly(members=5)
    s = f.convened(a)
    member = f.councillors(a)[0]
    f.arrive(s, [member])
    services.media_connected(sitting=s, member=member, channel="ws-1")
    services.media_lost(channel="ws-1")
    assert services.media_sweep(timezone.now() + LATER) == []
    assert log_of(s, member) == [("arrival", "chamber")]


def test_remote_presence_counts_in_an_epci_room_but_never_in_a_commune() -> None:
    commune = f.assembly(members=5)
    s = f.convened(commune)
    for i, member in enumerate(f.councillors(commune)):
        services.media_connected(sitting=s, member=member, channel=f"c-{i}")
    quorum = quorum_for(s)
    assert quorum.present == 4 and quorum.counted == 0  # R26: never counted in a commune

    epci = f.assembly(members=5, kind=Assembly.Kind.EPCI, remote_rooms=1)
    room = Room.objects.get(assembly=epci, kind=Room.Kind.REMOTE)
    t = f.convened(epci, remote_rooms=[room])
    for i, member in enumerate(f.councillors(epci)):
        services.media_connected(sitting=t, member=member, channel=f"e-{i}", room=room)
    assert [e.mode for e in presence(t).values()] == ["remote_room"] * 4
    assert quorum_for(t).counted == 4  # R27: counted in a sitting held in several places
