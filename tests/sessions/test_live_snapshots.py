"""The live snapshots built once per event (sessions.live.snapshots.snapshots) are the
ones each audience asks for on reconnect; the public part of the vote is voting's own."""

from __future__ import annotations

import json

import pytest

from sessions import services
from sessions.live import fanout
from sessions.live.snapshots import (
    chair_snapshot,
    public_snapshot,
    public_vote,
    snapshots,
    vote_patches,
)
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


@pytest.mark.parametrize("closed_session", [False, True], ids=["public", "closed session"])
def test_a_closes_change_is_what_the_snapshots_say_of_the_vote(closed_session):
    """The patch a vote's close goes out as holds, for each audience, the vote and its
    count exactly as the whole snapshot that follows it (R25: none for the public in
    closed session)."""
    a = f.assembly(members=7, population=1_000)
    s = f.in_session(a)
    people = list(a.members.order_by("id"))
    vote = voting.vote_open(item=s.items.first(), kind="electronic", user=None)
    voting.ballot_cast(vote=vote, voter=people[2], choice="for", client_id="ballot-patch-1")
    voting.vote_close(vote=vote, user=None, confirm=True)
    if closed_session:
        assert f.closed_session(s, [people[0]], votes_for=5)
    s.refresh_from_db()
    whole, change = snapshots(s), vote_patches(s)
    for audience in ("desk", "seats", "public"):
        snapshot, patch = getattr(whole, audience), getattr(change, audience)
        assert patch == {"vote": snapshot["vote"], "counts.vote": snapshot["counts"]["vote"]}
    assert (change.public["vote"] is None) is closed_session
    assert change.desk["vote"]["state"] == "closed"


def test_an_item_taken_up_sends_what_a_reconnect_reads(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The facts item_take_up read under its lock are those its snapshots are built from
    (attached to its event): the very snapshots a page reading afresh would get."""
    a = f.assembly(members=7, population=1_000)
    holder, grantor = list(a.members.order_by("id"))[5:7]
    s = f.in_session(a, present=6, items=2, proxies=[(grantor, holder)])
    s.refresh_from_db()
    sent: list[tuple[str, str]] = []

    async def capture(texts: list[tuple[str, str]]) -> None:
        sent.extend(texts)

    monkeypatch.setattr(fanout, "_send_all", capture)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_take_up(sitting=s, item=s.items.order_by("position")[1], user=None)
    desk, seats, public = (json.loads(text)["state"] for _group, text in sent)
    s.refresh_from_db()
    assert timeless(desk) == timeless(chair_snapshot(s))
    assert timeless(seats) == timeless(seat_view(chair_snapshot(s)))
    assert timeless(public) == timeless(public_snapshot(s))
    assert desk["attendance"]["represented"] == 1 and desk["counts"]["present"] == 6
