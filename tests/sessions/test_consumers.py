"""Websocket surfaces on the configured channel layer (Redis in CI)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from sessions import services
from tests import factories as f
from tests.sessions.sockets import app, connect, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def make_convened(members: int = 5):
    a = f.assembly(members=members)
    s = f.convened(a)
    clerk = f.staff(a)
    members = list(a.members.order_by("id").select_related("user"))
    return a, s, clerk, members


async def test_public_page_follows_the_chair_live():
    a, s, clerk, members = await make_convened()
    public, snapshot = await connect(f"/ws/sittings/{s.id}/public/")
    assert snapshot["type"] == "sittings.snapshot"
    assert snapshot["state"]["sitting"]["state"] == "convened"
    assert "members" not in snapshot["state"]  # the public snapshot carries no roll
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", members[0].user)

    await chair.send_json_to({"action": "open"})
    refused = await until(chair, "error")
    assert refused["code"] == "secretary_missing"

    for m in members[:3]:
        await chair.send_json_to({"action": "attendance", "member": m.id, "kind": "arrival"})
        await until(chair, "ack")
    await chair.send_json_to({"action": "secretary", "member": members[1].id})
    await until(chair, "ack")
    await chair.send_json_to({"action": "open", "open_anyway": True, "reason": "essai"})
    opened = await until(public, "sittings.opened")
    assert opened["state"]["sitting"]["state"] == "open"
    assert opened["state"]["attendance"] == {
        "in_office": 5,
        "present": 3,
        "represented": 0,
        "absent": 2,
    }
    assert opened["state"]["quorum"]["reached"] is True

    item = await sync_to_async(lambda: s.items.first())()
    await chair.send_json_to({"action": "take_up", "item": item.id})
    taken = await until(public, "sittings.item_taken_up")
    assert taken["data"] == {"item": item.id, "quorum_reached": True}
    assert taken["state"]["current_item"]["title"] == item.title
    await public.disconnect()
    await chair.disconnect()


async def test_raised_hand_reaches_the_chair_and_the_floor_reaches_the_seat():
    a, s, clerk, members = await make_convened()
    await sync_to_async(f.arrive)(s, members[:4])
    await sync_to_async(services.secretary_name)(sitting=s, member=members[1], user=None)
    await sync_to_async(services.sitting_open)(
        sitting=s, user=None, open_anyway=True, reason="essai"
    )
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", clerk)
    seat, _ = await connect(f"/ws/sittings/{s.id}/seat/", members[2].user)
    await seat.send_json_to({"action": "raise_hand"})
    raised = await until(chair, "sittings.hand_raised")
    assert raised["data"] == {"member": members[2].id}
    [request] = raised["state"]["queue"]
    assert request["name"] == members[2].full_name and request["state"] == "waiting"

    await seat.send_json_to({"action": "raise_hand"})
    again = await until(seat, "error")
    assert again["code"] == "already_queued"

    await chair.send_json_to({"action": "give_floor", "request": request["id"]})
    given = await until(seat, "sittings.floor_given")
    assert given["data"]["name"] == members[2].full_name
    assert given["state"]["speaker"] == {"name": members[2].full_name}
    await chair.send_json_to({"action": "end_floor"})
    ended = await until(seat, "sittings.floor_ended")
    assert ended["data"]["seconds"] >= 0 and ended["state"]["speaker"] is None
    await seat.disconnect()
    await chair.disconnect()


async def test_bad_frames_get_error_frames_and_change_nothing():
    a, s, clerk, members = await make_convened()
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", clerk)
    await chair.send_to(text_data="{not json")
    assert (await chair.receive_json_from())["code"] == "invalid_json"
    await chair.send_to(text_data="[1, 2]")
    assert (await chair.receive_json_from())["code"] == "invalid_message"
    await chair.send_to(text_data='{"action": "' + "x" * 20000 + '"}')
    assert (await chair.receive_json_from())["code"] == "invalid_frame"
    await chair.send_json_to({"action": "fly"})
    assert (await chair.receive_json_from())["code"] == "unknown_action"
    await chair.send_json_to({"action": "take_up", "item": "first"})
    assert (await chair.receive_json_from())["code"] == "invalid_field"
    await chair.send_json_to({"action": "take_up", "item": 999999})
    assert (await chair.receive_json_from())["code"] == "unknown_item"
    await chair.send_json_to({"action": "close"})
    assert (await chair.receive_json_from())["code"] == "transition_refused"
    await chair.send_json_to({"action": "attendance", "member": members[0].id, "kind": "teleport"})
    assert (await chair.receive_json_from())["code"] == "invalid_kind"
    await sync_to_async(s.refresh_from_db)()
    assert s.state == "convened"
    assert await sync_to_async(s.attendance.count)() == 0
    await chair.disconnect()


async def test_a_councillor_cannot_use_the_chair_surface():
    a, s, clerk, members = await make_convened()
    comm = WebsocketCommunicator(app, f"/ws/sittings/{s.id}/chair/")
    comm.scope["user"] = members[3].user
    await comm.connect()
    error = await comm.receive_json_from()
    assert error["type"] == "error" and error["code"] == "forbidden"
    closed = await comm.receive_output()
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_a_draft_sitting_is_not_public():
    a = await sync_to_async(f.assembly)(members=3)
    s = await sync_to_async(f.sitting)(a)
    comm = WebsocketCommunicator(app, f"/ws/sittings/{s.id}/public/")
    await comm.connect()
    assert (await comm.receive_json_from())["code"] == "not_found"
    assert (await comm.receive_output())["code"] == 4404


async def test_remote_room_agent_keeps_the_roll_and_quorum_follows():
    from council.models import Assembly, StaffRole

    def prepare():
        a = f.assembly(kind=Assembly.Kind.EPCI, members=5, remote_rooms=2, population=270_000)
        room = a.rooms.filter(kind="remote").first()
        s = f.convened(a, remote_rooms=[room])
        return a, s, room, f.staff(a, StaffRole.Role.SECRETARY), list(a.members.order_by("id"))

    a, s, room, agent, members = await sync_to_async(prepare)()
    roll, first = await connect(f"/ws/sittings/{s.id}/roll/", agent)
    assert first["state"]["quorum"]["needed"] == 3
    for m in members[:3]:
        await roll.send_json_to(
            {
                "action": "attendance",
                "member": m.id,
                "kind": "arrival",
                "mode": "remote_room",
                "room": room.id,
            }
        )
        event = await until(roll, "sittings.attendance_changed")
    assert event["state"]["quorum"]["reached"] is True
    assert {m["room"] for m in event["state"]["members"] if m["present"]} == {room.name}
    await roll.send_json_to({"action": "open"})
    assert (await until(roll, "error"))["code"] == "unknown_action"  # the agent only keeps the roll
    await roll.disconnect()


async def test_a_councillor_declares_an_interest_and_leaves_the_count():
    a, s, clerk, members = await make_convened(members=5)
    await sync_to_async(f.arrive)(s, members[:3])
    await sync_to_async(services.secretary_name)(sitting=s, member=members[1], user=None)
    await sync_to_async(services.sitting_open)(
        sitting=s, user=None, open_anyway=True, reason="essai"
    )
    item = await sync_to_async(lambda: s.items.first())()
    await sync_to_async(services.item_take_up)(sitting=s, item=item, user=None)
    seat, first = await connect(f"/ws/sittings/{s.id}/seat/", members[2].user)
    assert first["state"]["quorum"]["reached"] is True
    await seat.send_json_to({"action": "interest", "item": item.id, "declared": True})
    event = await until(seat, "sittings.interest_changed")
    assert event["state"]["current_item"]["interests"] == [members[2].id]
    assert event["state"]["quorum"]["reached"] is False
    assert event["state"]["quorum"]["excluded"] == [members[2].full_name]
    await seat.disconnect()
