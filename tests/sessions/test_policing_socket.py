"""R24 from the chair's desk socket: a call to order and an expulsion, their refusals as
error frames with their codes, and what the public page receives."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tests import factories as f
from tests.sessions.sockets import connect as open_socket
from tests.sessions.sockets import until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def connect(path: str, user=None) -> WebsocketCommunicator:
    comm, first = await open_socket(path, user)
    assert first["type"] == "sittings.snapshot", first
    return comm


@sync_to_async
def make_sitting():
    a = f.assembly(members=6, population=1_000)
    s = f.in_session(a)
    members = list(a.members.order_by("id").select_related("user"))
    return a, s, members


async def test_the_chair_calls_to_order_and_expels_from_the_desk():
    a, s, m = await make_sitting()
    chair = await connect(f"/ws/sittings/{s.id}/chair/", m[0].user)
    public = await connect(f"/ws/sittings/{s.id}/public/")

    await chair.send_json_to({"action": "call_to_order", "member": m[3].id, "reason": "Bruit"})
    ack = await until(chair, "ack", "error")
    assert ack["type"] == "ack", ack
    called = await until(public, "sittings.called_to_order")
    assert [p["kind"] for p in called["state"]["policing"]] == ["call_to_order"]
    assert called["state"]["policing"][0]["reason"] == "Bruit"

    await chair.send_json_to({"action": "expel", "member": m[3].id, "reason": "Tumulte"})
    assert (await until(chair, "ack", "error"))["type"] == "ack"
    expelled = await until(public, "sittings.member_expelled")
    assert expelled["state"]["attendance"]["present"] == 5
    assert expelled["state"]["policing"][-1]["name"] == m[3].full_name

    await chair.send_json_to({"action": "attendance", "member": m[3].id, "kind": "arrival"})
    refused = await until(chair, "error")
    assert refused["code"] == "member_expelled" and "expulsé" in refused["message"]
    await chair.disconnect()
    await public.disconnect()


@pytest.mark.parametrize(
    "frame, code",
    [
        ({"action": "expel", "reason": "Sans membre"}, "invalid_field"),
        ({"action": "expel", "member": 999999, "reason": "Inconnu"}, "unknown_member"),
        ({"action": "call_to_order", "member": "x", "reason": "r"}, "invalid_field"),
        ({"action": "call_to_order", "member": None, "reason": "r"}, "invalid_field"),
        ({"action": "expel", "member": "MEMBER", "reason": ""}, "reason_missing"),
        ({"action": "expel", "member": "MEMBER", "reason": 42}, "invalid_field"),
        ({"action": "expel", "member": "MEMBER", "reason": "x" * 501}, "invalid_field"),
        ({"action": "expel", "member": "CHAIR", "reason": "Le maire"}, "cannot_expel"),
        ({"action": "expel", "member": "OTHER", "reason": "Autre conseil"}, "unknown_member"),
    ],
)
async def test_refusals_are_error_frames_with_codes(frame, code):
    a, s, m = await make_sitting()
    other = await sync_to_async(lambda: f.assembly(members=2).members.first())()
    ids = {"MEMBER": m[2].id, "CHAIR": m[0].id, "OTHER": other.id}
    frame = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in frame.items()}
    chair = await connect(f"/ws/sittings/{s.id}/chair/", m[0].user)
    await chair.send_json_to(frame)
    refused = await until(chair, "ack", "error")
    assert refused["type"] == "error" and refused["code"] == code, refused
    await chair.disconnect()


async def test_a_councillor_cannot_police_from_a_seat():
    a, s, m = await make_sitting()
    seat = await connect(f"/ws/sittings/{s.id}/seat/", m[4].user)
    await seat.send_json_to({"action": "expel", "member": m[3].id, "reason": "Usurpation"})
    refused = await until(seat, "error")
    assert refused["code"] == "unknown_action"
    await seat.disconnect()
