"""One truth on every page (issue 15): the chair's desk, a seat and the public page read
the same counts after every ballot; a show of hands reports its counted voices; an absent
member cannot ask for the floor or vote in their own name, and a departure empties the
queue."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async
from django.utils import translation

from sessions import services
from sessions.errors import Conflict
from tests import factories as f
from tests.sessions.sockets import connect, until
from voting import services as voting
from voting.errors import BallotRefused

pytestmark = [pytest.mark.django_db(transaction=True)]
NBSP = "\u00a0"


def _count_in(message: dict, vote_id: int) -> dict | None:
    if message.get("type") == "voting.ballot_cast" and message["data"].get("vote") == vote_id:
        return message["data"]["count"]
    vote = (message.get("state") or {}).get("vote")
    if vote and vote["id"] == vote_id:
        return vote["count"]
    return None


async def _settled(comm, vote_id: int, cast: int, timeout: float = 5.0) -> dict:
    """The latest count this page has received, once it reaches `cast` (or the timeout)."""
    latest: dict = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and latest.get("cast") != cast:
        try:
            message = await comm.receive_json_from(timeout=max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            break
        latest = _count_in(message, vote_id) or latest
    return latest


@sync_to_async
def _council():
    a = f.assembly(members=8, population=1_000)
    people = list(a.members.order_by("id").select_related("user"))
    # Seven present; the eighth gave a proxy to the fifth: 8 voices.
    s = f.in_session(a, present=7, proxies=[(people[7], people[4])])
    return s, people


@pytest.mark.asyncio
async def test_every_audience_reads_the_same_count_after_each_ballot():
    s, people = await _council()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    seats = {i: (await connect(f"/ws/sittings/{s.id}/seat/", people[i].user))[0] for i in (2, 3, 4)}
    public, _ = await connect(f"/ws/sittings/{s.id}/public/")
    watcher = seats[2]

    await chair.send_json_to({"action": "vote_open", "kind": "electronic"})
    opened = (await until(public, "voting.vote_opened"))["state"]
    vote_id = opened["vote"]["id"]
    assert opened["counts"]["vote"]["label"] == "0 vote reçu sur 8 voix"
    assert opened["counts"]["present"] == 7 and opened["counts"]["represented"] == 1
    for comm in (chair, *seats.values()):
        await until(comm, "voting.vote_opened")

    ballots = [(2, None), (3, None), (4, None), (4, people[7].id)]
    for n, (i, grantor) in enumerate(ballots, start=1):
        frame = {"action": "ballot", "vote": vote_id, "choice": "for", "client_id": f"b{n}-xxxxxx"}
        if grantor:
            frame["on_behalf_of"] = grantor
        sent = time.monotonic()
        await seats[i].send_json_to(frame)
        await until(seats[i], "ack")
        counts = [await _settled(c, vote_id, n) for c in (chair, watcher, public)]
        late = time.monotonic() - sent
        label = f"{n} vote{'s' if n > 1 else ''} reçu{'s' if n > 1 else ''} sur 8 voix"
        assert [c.get("cast") for c in counts] == [n, n, n], counts
        assert {c["label"] for c in counts} == {label}
        assert all(c["voices"] == 8 and c["missing"] == 8 - n for c in counts)
        # Coalesced (the seats every 0.5 s, the public page every 2 s), never dropped.
        assert late < 5.0

    # Closing while voices are missing asks for a confirmation, in French.
    await chair.send_json_to({"action": "vote_close", "vote": vote_id})
    refused = await until(chair, "error")
    assert refused["code"] == "vote_close_unconfirmed"
    assert refused["message"] == f"4 voix exprimées sur 8{NBSP}: confirmer la clôture{NBSP}?"
    await chair.send_json_to({"action": "vote_close", "vote": vote_id, "confirm": True})
    # The close comes as its change (the vote and its count), then the whole snapshot: the
    # same numbers in both, on every page.
    clients = (chair, watcher, public)
    changes = [(await until(c, "voting.vote_closed"))["patch"] for c in clients]
    closed = [(await until(c, "sittings.snapshot"))["state"] for c in clients]
    assert {c["vote"]["count"]["cast"] for c in changes + closed} == {4}
    assert {c["counts.vote"]["label"] for c in changes} == {"4 votes reçus sur 8 voix"}
    assert {c["counts"]["vote"]["label"] for c in closed} == {"4 votes reçus sur 8 voix"}
    for comm in (chair, *seats.values(), public):
        await comm.disconnect()


@pytest.mark.asyncio
async def test_a_show_of_hands_reports_its_counted_voices_everywhere():
    s, people = await _council()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    seat, _ = await connect(f"/ws/sittings/{s.id}/seat/", people[3].user)
    public, _ = await connect(f"/ws/sittings/{s.id}/public/")
    await chair.send_json_to({"action": "vote_open", "kind": "hands"})
    vote = (await until(public, "voting.vote_opened"))["state"]["vote"]
    assert vote["count"]["counted_by_chair"] is True
    await until(seat, "voting.vote_opened")
    counts = {"for": 6, "against": 1, "abstain": 1}
    await chair.send_json_to({"action": "vote_close", "vote": vote["id"], "counts": counts})
    changes = [(await until(c, "voting.vote_closed"))["patch"] for c in (chair, seat, public)]
    states = [(await until(c, "sittings.snapshot"))["state"] for c in (chair, seat, public)]
    for state in changes + states:
        assert state["vote"]["result"]["for"] == 6
        assert state["vote"]["cast"] == 8  # never "0 votes reçus" beside "Pour 6"
    assert {c["counts.vote"]["label"] for c in changes} == {"8 voix comptées sur 8"}
    assert {s["counts"]["vote"]["label"] for s in states} == {"8 voix comptées sur 8"}
    for comm in (chair, seat, public):
        await comm.disconnect()


@translation.override("fr")
def test_an_absent_member_who_gave_a_proxy_cannot_queue_or_vote_in_their_own_name():
    a = f.assembly(members=6, population=1_000)
    people = list(a.members.order_by("id"))
    s = f.in_session(a, present=5, proxies=[(people[5], people[4])])
    grantor, holder = people[5], people[4]
    with pytest.raises(Conflict) as err:
        services.hand_raise(sitting=s, member=grantor)
    assert err.value.code == "member_absent"
    assert err.value.message == (
        f"Vous n'êtes pas inscrit présent{NBSP}: vous ne pouvez pas demander la parole."
    )
    assert not s.speaking_requests.exists()
    vote = voting.vote_open(item=s.current_item, kind="electronic", user=None)
    with pytest.raises(BallotRefused) as refused:
        voting.ballot_cast(vote=vote, voter=grantor, choice="for", client_id="grantor-own-1")
    assert refused.value.code == "member_absent"
    assert holder.full_name in refused.value.message
    receipt = voting.ballot_cast(
        vote=vote, voter=holder, choice="for", client_id="holder-for-1", on_behalf_of=grantor
    )
    assert receipt.member == grantor.id


def test_a_member_who_leaves_leaves_the_queue():
    a = f.assembly(members=6, population=1_000)
    people = list(a.members.order_by("id"))
    s = f.in_session(a, present=6)
    services.hand_raise(sitting=s, member=people[2])
    services.hand_raise(sitting=s, member=people[3])
    services.attendance_record(sitting=s, member=people[2], kind="departure", user=None)
    from sessions.live.snapshots import chair_snapshot

    queue = chair_snapshot(s)["queue"]
    assert [r["member_id"] for r in queue] == [people[3].id]
    request = s.speaking_requests.get(member=people[3], state="waiting")
    services.attendance_record(sitting=s, member=people[3], kind="departure", user=None)
    with pytest.raises(Exception) as err:
        services.floor_give(sitting=s, request_id=request.id, user=None)
    assert getattr(err.value, "code", "") == "not_queued"
    assert chair_snapshot(s)["queue"] == []
    with pytest.raises(Conflict) as again:
        services.hand_raise(sitting=s, member=people[2])
    assert again.value.code == "member_absent"
