"""Votes over the sitting's websockets: opened by the chair, cast from the seats, results
live everywhere; a ballot is acknowledged with its receipt only once stored."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async

from tests import factories as f
from tests.sessions.sockets import connect, until
from voting import intake
from voting.models import Ballot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def prepare():
    a = f.assembly(members=6, population=1_000)
    people = list(a.members.order_by("id").select_related("user"))
    return f.in_session(a, present=5, proxies=[(people[5], people[4])]), people


async def test_vote_from_open_to_result_on_every_surface():
    s, people = await prepare()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    seat, _ = await connect(f"/ws/sittings/{s.id}/seat/", people[4].user)
    public, _ = await connect(f"/ws/sittings/{s.id}/public/")

    await chair.send_json_to({"action": "vote_open", "kind": "electronic"})
    opened = await until(public, "voting.vote_opened")
    vote = opened["state"]["vote"]
    assert vote["voices"] == 6 and vote["state"] == "open" and "eligible" not in vote
    seat_view = (await until(seat, "voting.vote_opened"))["state"]["vote"]
    assert {v["member"]: v["by"] for v in seat_view["eligible"]}[people[5].id] == people[4].id

    await seat.send_json_to(
        {
            "action": "ballot",
            "vote": vote["id"],
            "choice": "for",
            "client_id": "seat4-own-0001",
            "ref": "r1",
        }
    )
    ack = await until(seat, "ack")
    assert ack["ref"] == "r1" and ack["result"]["member"] == people[4].id
    assert await sync_to_async(Ballot.objects.filter(client_id="seat4-own-0001").exists)()
    await seat.send_json_to(
        {
            "action": "ballot",
            "vote": vote["id"],
            "choice": "against",
            "client_id": "seat4-proxy-01",
            "on_behalf_of": people[5].id,
        }
    )
    ack = await until(seat, "ack")
    assert ack["result"]["member"] == people[5].id
    # Replaying the same client id gets the same receipt, not a second ballot.
    await seat.send_json_to(
        {"action": "ballot", "vote": vote["id"], "choice": "for", "client_id": "seat4-own-0001"}
    )
    assert (await until(seat, "ack"))["result"]["duplicate"] is True
    await seat.send_json_to(
        {"action": "ballot", "vote": vote["id"], "choice": "maybe", "client_id": "seat4-bad-0001"}
    )
    assert (await until(seat, "error"))["code"] == "invalid_choice"

    counted = await until(chair, "voting.ballot_cast")
    assert set(counted["data"]["voted"]) <= {people[4].id, people[5].id}

    await chair.send_json_to({"action": "vote_close", "vote": vote["id"], "confirm": True})
    closed = await until(public, "voting.vote_closed")
    result = closed["patch"]["vote"]["result"]
    assert (result["for"], result["against"], result["adopted"]) == (1, 1, False)
    assert result["names"]["against"] == [people[5].full_name]
    late = {"action": "ballot", "vote": vote["id"], "choice": "for", "client_id": "late-ballot-1"}
    await seat.send_json_to(late)
    assert (await until(seat, "error"))["code"] == "vote_closed"
    for comm in (chair, seat, public):
        await comm.disconnect()


async def test_a_seat_s_next_ballot_is_read_while_its_first_is_written(monkeypatch):
    """A holder votes in their own name and, at once, in their grantor's: the second frame
    is read (and waits for the next batch) while the first one's batch is being written."""
    s, people = await prepare()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    seat, _ = await connect(f"/ws/sittings/{s.id}/seat/", people[4].user)
    await chair.send_json_to({"action": "vote_open", "kind": "electronic"})
    vote = (await until(seat, "voting.vote_opened"))["state"]["vote"]
    written = intake.ballots_received
    queued_meanwhile: list[bool] = []

    def first_held(sitting_id, arrivals):  # the first batch waits for the next ballot
        if not queued_meanwhile:
            deadline = time.monotonic() + 5
            while not intake._waiting and time.monotonic() < deadline:
                time.sleep(0.01)
            queued_meanwhile.append(bool(intake._waiting))
        return written(sitting_id, arrivals)

    monkeypatch.setattr(intake, "ballots_received", first_held)
    for ref, extra in (("own", {}), ("proxy", {"on_behalf_of": people[5].id})):
        ballot = {"action": "ballot", "vote": vote["id"], "choice": "for", "ref": ref}
        await seat.send_json_to({**ballot, "client_id": f"holder-{ref}-01", **extra})
    acks = [await until(seat, "ack") for _ in range(2)]
    assert {a["ref"]: a["result"]["member"] for a in acks} == {
        "own": people[4].id,
        "proxy": people[5].id,
    }
    assert queued_meanwhile == [True]
    for comm in (chair, seat):
        await comm.disconnect()


async def test_a_reconnecting_seat_learns_what_it_already_voted():
    s, people = await prepare()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    await chair.send_json_to(
        {"action": "vote_open", "kind": "secret", "secret": [people[1].id, people[2].id]}
    )
    await until(chair, "voting.vote_opened")
    seat, first = await connect(f"/ws/sittings/{s.id}/seat/", people[2].user)
    vote_id = first["state"]["vote"]["id"]
    await seat.send_json_to(
        {"action": "ballot", "vote": vote_id, "choice": "blank", "client_id": "secret-seat-2"}
    )
    await until(seat, "ack")
    await seat.disconnect()
    again, snapshot = await connect(f"/ws/sittings/{s.id}/seat/", people[2].user)
    assert snapshot["state"]["my_ballots"] == [people[2].id]
    assert snapshot["state"]["vote"]["voted"] == []  # a secret ballot shows nobody's name
    await again.disconnect()
    await chair.disconnect()


async def test_a_councillor_cannot_open_or_close_a_vote():
    s, people = await prepare()
    seat, _ = await connect(f"/ws/sittings/{s.id}/seat/", people[3].user)
    await seat.send_json_to({"action": "vote_open", "kind": "electronic"})
    assert (await until(seat, "error"))["code"] == "unknown_action"
    await seat.disconnect()


async def test_a_councillors_other_devices_learn_the_names_voted_in_and_the_casting_one_its_ack():
    s, people = await prepare()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    holder = people[4]  # holds people[5]'s proxy
    phone, _ = await connect(f"/ws/sittings/{s.id}/seat/", holder.user)
    tablet, _ = await connect(f"/ws/sittings/{s.id}/seat/", holder.user)
    neighbour, _ = await connect(f"/ws/sittings/{s.id}/seat/", people[3].user)
    await chair.send_json_to({"action": "vote_open", "kind": "electronic"})
    vote = (await until(phone, "voting.vote_opened"))["state"]["vote"]
    for ws in (tablet, neighbour):
        await until(ws, "voting.vote_opened")
    ballot = {"action": "ballot", "vote": vote["id"], "choice": "for", "ref": "own"}
    await phone.send_json_to({**ballot, "client_id": "phone-own-0001"})
    assert (await until(phone, "ack"))["result"]["member"] == holder.id
    echoed = await until(tablet, "voting.my_ballots")
    assert echoed["data"] == {"vote": vote["id"], "my_ballots": [holder.id]}
    # Then the grantor's ballot from the tablet: the phone learns of it, the tablet has its ack.
    proxy = {**ballot, "ref": "proxy", "on_behalf_of": people[5].id}
    await tablet.send_json_to({**proxy, "client_id": "tablet-proxy-01"})
    assert (await until(tablet, "ack"))["result"]["member"] == people[5].id
    echoed = await until(phone, "voting.my_ballots")
    assert sorted(echoed["data"]["my_ballots"]) == sorted([holder.id, people[5].id])
    # Nobody else's names ever reach a seat, and the casting socket gets no echo of its own.
    for ws in (neighbour, tablet):
        seen = []
        while not await ws.receive_nothing(timeout=0.5):
            seen.append((await ws.receive_json_from())["type"])
        assert "voting.my_ballots" not in seen, seen
    for ws in (chair, phone, tablet, neighbour):
        await ws.disconnect()


def test_only_a_socket_that_cast_all_its_voters_ballots_of_a_batch_goes_without_the_echo():
    from council.sockets import SessionRef

    holder, other = f.assembly(members=2, population=1_000).members.order_by("id")
    ref = SessionRef(holder.user_id, None, False, False)
    arrivals = [
        intake.Arrival(holder.user, ref, {}, "phone"),
        intake.Arrival(holder.user, ref, {}, "phone"),
        intake.Arrival(other.user, ref, {}, "desk-a"),
        intake.Arrival(other.user, ref, {}, "desk-b"),  # the same voter from two devices
    ]
    taken = [(0, holder), (1, holder), (2, other), (3, other)]
    assert intake._knowing(arrivals, taken) == ["phone"]
