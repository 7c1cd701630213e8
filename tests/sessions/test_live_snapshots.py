"""The live snapshots built once per event (sessions.live.snapshots.snapshots) are the
ones each audience asks for on reconnect; the public part of the vote is voting's own."""

from __future__ import annotations

import pytest

from sessions.live.snapshots import chair_snapshot, public_snapshot, public_vote, snapshots
from sessions.realtime import seat_view
from tests import factories as f
from voting import services as voting
from voting.selectors import vote_summary

pytestmark = pytest.mark.django_db


def timeless(snapshot: dict) -> dict:
    return {key: value for key, value in snapshot.items() if key != "server_time"}


def test_the_snapshots_of_an_event_are_those_of_a_reconnect():
    a = f.assembly(members=7, population=1_000)
    s = f.in_session(a)
    people = list(a.members.order_by("id"))
    vote = voting.vote_open(item=s.items.first(), kind="electronic", user=None)
    voting.ballot_cast(vote=vote, voter=people[2], choice="for", client_id="ballot-live-1")
    s.refresh_from_db()
    built = snapshots(s)
    assert timeless(built.desk) == timeless(chair_snapshot(s))
    assert timeless(built.seats) == timeless(seat_view(chair_snapshot(s)))
    assert timeless(built.public) == timeless(public_snapshot(s))
    assert public_vote(vote_summary(s, public=False)) == vote_summary(s, public=True)
    assert built.desk["vote"]["voted"] == [people[2].id] and "voted" not in built.public["vote"]
