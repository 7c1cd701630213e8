"""A remote room of an intercommunality joins the video through its agent; the room must
be one of the sitting's designated remote rooms, and only the staff may join as one."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from council.models import Assembly, Room
from council.routing import websocket_urlpatterns
from sessions.models import AttendanceEvent
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


async def test_in_a_large_meeting_councillors_come_in_muted_but_not_the_chair(settings) -> None:
    """As in Jitsi's "everyone starts muted": past SEANCE_VISIO_START_MUTED_AFTER people,
    a councillor's microphone is closed on joining; the chair's never is."""
    settings.SEANCE_VISIO_START_MUTED_AFTER = 1

    @sync_to_async
    def people():
        a = f.assembly(members=4, population=1_000)
        return f.convened(a), f.councillors(a)[0].user, f.chair(a).user

    sitting, councillor, chair = await people()
    base = f"/ws/sittings/{sitting.id}/visio/"
    first = await opened(base, councillor)
    await first.send_json_to({"action": "join"})
    assert (await first.receive_json_from(timeout=5))["muted"] is False  # alone: open
    mayor = await opened(base, chair)
    await mayor.send_json_to({"action": "join"})
    assert (await mayor.receive_json_from(timeout=5))["muted"] is False  # the chair
    await first.disconnect()
    again = await opened(base, councillor)
    await again.send_json_to({"action": "join"})
    joined = await again.receive_json_from(timeout=5)
    assert joined["muted"] is True
    listed = await again.receive_json_from(timeout=5)
    assert [p["muted"] for p in listed["participants"]] == [False, True]
    # Opening it needs the chair's request.
    await again.send_json_to({"action": "unmute"})
    refused = await again.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", "not_asked")
    for comm in (mayor, again):
        await comm.disconnect()
