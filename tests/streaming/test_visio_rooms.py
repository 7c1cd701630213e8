"""A remote room of an intercommunality joins the video through its agent; the room must
be one of the sitting's designated remote rooms, and only the staff may join as one."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from council.models import Assembly, Room
from council.routing import websocket_urlpatterns
from sessions import services as sittings
from sessions.models import AttendanceEvent, SpeakingRequest
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

app = URLRouter(websocket_urlpatterns)


@sync_to_async
def epci_sitting():
    a = f.assembly(members=5, kind=Assembly.Kind.EPCI, remote_rooms=2, population=1_000)
    rooms = list(Room.objects.filter(assembly=a, kind=Room.Kind.REMOTE).order_by("id"))
    s = f.convened(a, remote_rooms=rooms[:1])
    return s, rooms, f.staff(a), f.councillors(a)[0].user


async def opened(path: str, user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(app, path)
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    return comm


async def test_a_remote_room_joins_through_its_agent() -> None:
    sitting, (designated, other), clerk, councillor = await epci_sitting()
    base = f"/ws/sittings/{sitting.id}/visio/"

    room = await opened(f"{base}?room={designated.id}", clerk)
    await room.send_json_to({"action": "join"})
    joined = await room.receive_json_from(timeout=5)
    assert joined["type"] == "joined"
    people = await room.receive_json_from(timeout=5)
    assert [p["name"] for p in people["participants"]] == [str(designated)]
    await room.disconnect()
    # The room's agent keeps its roll (R27): the video logs no presence for a room.
    assert not await sync_to_async(AttendanceEvent.objects.filter(sitting=sitting).exists)()

    wrong = await opened(f"{base}?room={other.id}", clerk)
    refused = await wrong.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", "wrong_room")
    await wrong.disconnect()

    member = await opened(f"{base}?room={designated.id}", councillor)
    refused = await member.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    await member.disconnect()


async def until(comm: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of this type (participant lists and the like come in between)."""
    for _ in range(20):
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] in (kind, "error"):
            return frame
    raise AssertionError(f"no {kind!r} frame")


@sync_to_async
def open_sitting():
    a = f.assembly(members=5, population=1_000)
    s = f.convened(a)
    people = list(a.members.order_by("id"))
    f.arrive(s, people)
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    return s, f.councillors(a)[0], f.chair(a)


async def test_councillors_come_in_muted_and_the_floor_opens_their_microphone(settings) -> None:
    """A passive participant's microphone is closed: a councillor comes in muted even
    alone, the chair never does. The councillor asks for the floor from the video page;
    the floor opens the microphone, and keeps it open across a reconnection."""
    sitting, councillor, chair = await open_sitting()
    base = f"/ws/sittings/{sitting.id}/visio/"
    first = await opened(base, councillor.user)
    await first.send_json_to({"action": "join"})
    assert (await until(first, "joined"))["muted"] is True  # alone, and still closed
    mayor = await opened(base, chair.user)
    await mayor.send_json_to({"action": "join"})
    assert (await until(mayor, "joined"))["muted"] is False  # the chair
    # Opening it needs the chair's request...
    await first.send_json_to({"action": "unmute"})
    assert (await until(first, "error"))["code"] == "not_asked"
    # ... or the floor, asked for from the video: the request is in the speaking queue.
    await first.send_json_to({"action": "raise_hand"})
    assert await until(first, "hand") == {"type": "hand", "raised": True}
    await first.send_json_to({"action": "raise_hand"})
    assert (await until(first, "error"))["code"] == "already_queued"
    waiting = await sync_to_async(
        lambda: SpeakingRequest.objects.get(sitting=sitting, member=councillor)
    )()
    assert waiting.state == SpeakingRequest.State.WAITING
    await sync_to_async(sittings.floor_give)(
        sitting=sitting, request_id=waiting.pk, user=chair.user
    )
    assert await until(first, "floor") == {"type": "floor", "open": True}
    listed = await until(mayor, "participants")
    while listed["speaker"] is None:  # the lists sent before the floor
        listed = await until(mayor, "participants")
    assert listed["speaker"] == councillor.id
    assert [p["muted"] for p in listed["participants"]] == [False, False]
    # The speaker's connection drops and comes back: the floor is still theirs.
    await first.disconnect()
    again = await opened(base, councillor.user)
    await again.send_json_to({"action": "join"})
    assert (await until(again, "joined"))["muted"] is False
    assert await until(again, "floor") == {"type": "floor", "open": True}
    # The floor ends: the microphone closes.
    await sync_to_async(sittings.floor_end)(sitting=sitting, user=chair.user)
    assert await until(again, "floor") == {"type": "floor", "open": False}
    for comm in (mayor, again):
        await comm.disconnect()


async def test_a_committee_may_start_with_microphones_open(settings) -> None:
    """SEANCE_VISIO_START_MUTED_AFTER = N: in a meeting of fewer than N people,
    councillors come in with their microphone open; past it, closed."""
    settings.SEANCE_VISIO_START_MUTED_AFTER = 2
    sitting, councillor, chair = await open_sitting()
    base = f"/ws/sittings/{sitting.id}/visio/"
    first = await opened(base, councillor.user)
    await first.send_json_to({"action": "join"})
    assert (await until(first, "joined"))["muted"] is False
    mayor = await opened(base, chair.user)
    await mayor.send_json_to({"action": "join"})
    await until(mayor, "joined")
    await first.disconnect()
    other = await sync_to_async(lambda: f.councillors(sitting.assembly)[1].user)()
    late = await opened(base, other)
    await late.send_json_to({"action": "join"})  # two are there: the chair and... itself
    assert (await until(late, "joined"))["muted"] is False  # 1 present before it: open
    third = await opened(base, councillor.user)
    await third.send_json_to({"action": "join"})
    assert (await until(third, "joined"))["muted"] is True  # 2 present: closed
    # A remote room's agent, or the chair, do not ask for the floor from the video.
    await mayor.send_json_to({"action": "lower_hand"})
    assert (await until(mayor, "error"))["code"] == "not_queued"
    for comm in (mayor, late, third):
        await comm.disconnect()
