"""streaming.access: the broadcast's and the video meeting's access helpers, and the
video socket's refusals (another assembly, a staff member without a seat, a logged-out
socket, a malformed room id): each an error frame with a French message, then a close."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from council.errors import Forbidden, InvalidInput, NotFound
from council.models import Assembly, Room, StaffRole
from council.routing import websocket_urlpatterns
from sessions.access import Role
from streaming.access import access_broadcast, access_meeting
from streaming.models import Broadcast
from tests import factories as f

app = URLRouter(websocket_urlpatterns)


def epci():
    a = f.assembly(members=4, kind=Assembly.Kind.EPCI, remote_rooms=2, population=1_000)
    rooms = list(Room.objects.filter(assembly=a, kind=Room.Kind.REMOTE).order_by("id"))
    s = f.convened(a, remote_rooms=rooms[:1])
    return s, rooms, f.staff(a), list(a.members.order_by("id"))


@pytest.mark.django_db
def test_a_member_joins_as_themself_and_an_agent_for_a_designated_room():
    s, (designated, other_room), clerk, m = epci()
    seat = access_meeting(m[2].user, s.pk)
    assert (seat.sitting, seat.member, seat.room, seat.chair) == (s, m[2], None, False)
    assert access_meeting(m[0].user, s.pk).chair  # the chair moderates
    agent = access_meeting(clerk, str(s.pk), designated.pk)
    assert (agent.member, agent.room, agent.chair) == (None, designated, True)
    with translation.override("fr"), pytest.raises(Forbidden) as err:
        access_meeting(clerk, s.pk)
    assert err.value.code == "not_member" and "visioconférence" in err.value.message
    with pytest.raises(InvalidInput) as err:
        access_meeting(clerk, s.pk, other_room.pk)
    assert err.value.code == "wrong_room"
    with pytest.raises(Forbidden):
        access_meeting(m[2].user, s.pk, designated.pk)  # a councillor is no room's agent
    stranger = f.assembly(members=1, population=1_000).members.first().user
    for outsider in (stranger, AnonymousUser()):
        with pytest.raises(Forbidden):
            access_meeting(outsider, s.pk)
    for bad in ("x", "²", 0, 999_999):
        with pytest.raises(NotFound):
            access_meeting(m[2].user, bad)


@pytest.mark.django_db
def test_a_broadcast_for_its_staff_and_its_public():
    s, rooms, clerk, m = epci()
    with pytest.raises(NotFound):
        access_broadcast(clerk, s.pk)
    broadcast = Broadcast.objects.create(sitting=s)
    assert access_broadcast(clerk, s.pk) == broadcast
    assert access_broadcast(f.staff(s.assembly, StaffRole.Role.TECHNICIAN), s.pk) == broadcast
    assert access_broadcast(AnonymousUser(), s.pk, Role.PUBLIC).sitting == s
    for outsider in (m[2].user, f.staff(f.assembly(members=1)), AnonymousUser()):
        with pytest.raises(Forbidden):
            access_broadcast(outsider, s.pk)
    draft = f.sitting(s.assembly, notes=False)
    Broadcast.objects.create(sitting=draft)
    with pytest.raises(NotFound):
        access_broadcast(AnonymousUser(), draft.pk, Role.PUBLIC)


async def refused(path: str, user) -> dict:
    comm = WebsocketCommunicator(app, path)
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    frame = await comm.receive_json_from(timeout=5)
    closed = await comm.receive_output(timeout=5)
    await comm.disconnect()
    assert frame["type"] == "error" and frame["message"], frame
    assert closed["type"] == "websocket.close", closed
    return {**frame, "close": closed.get("code")}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_video_socket_refuses_with_an_error_frame():
    s, (designated, other_room), clerk, m = await sync_to_async(epci)()
    stranger = await sync_to_async(lambda: f.assembly(members=1).members.first().user)()
    base = f"/ws/sittings/{s.id}/visio/"
    logged_out = await refused(base, AnonymousUser())
    assert (logged_out["code"], logged_out["close"]) == ("forbidden", 4403)
    other = await refused(base, stranger)
    assert (other["code"], other["close"]) == ("forbidden", 4403)
    staff = await refused(base, clerk)
    assert (staff["code"], staff["close"]) == ("not_member", 4403)
    for query in ("?room=²", f"?room={designated.id}&room={designated.id}"):
        malformed = await refused(base + query, clerk)
        assert (malformed["code"], malformed["close"]) == ("invalid_field", 4400)
    unknown = await refused("/ws/sittings/999999/visio/", m[1].user)
    assert (unknown["code"], unknown["close"]) == ("not_found", 4404)
