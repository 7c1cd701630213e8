"""The room's screen: device tokens issued and revoked by the clerk, stored hashed; the
page and its read-only socket follow the sitting as the members see it."""

from __future__ import annotations

import hashlib
import re

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from council.routing import websocket_urlpatterns
from sessions import services
from sessions.models import AgendaItem, ScreenToken
from sessions.services import screens
from tests import factories as f

app = URLRouter(websocket_urlpatterns)


def _issue(client, assembly, clerk, label="Salle du conseil, mur gauche"):
    client.force_login(clerk)
    page = client.post(f"/clerk/assemblies/{assembly.pk}/screens/", {"label": label})
    assert page.status_code == 201
    url = re.search(r'data-testid="screen-url">([^<]+)<', page.content.decode()).group(1)
    client.logout()
    return url.replace("http://testserver", "")


@pytest.mark.django_db
def test_the_clerk_issues_a_link_shown_once_and_stored_hashed(client):
    a = f.assembly(members=3)
    clerk = f.staff(a)
    path = _issue(client, a, clerk)
    token = path.rstrip("/").rsplit("/", 1)[1]
    screen = ScreenToken.objects.get()
    assert screen.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ScreenToken.objects.values_list().get())
    client.force_login(clerk)
    listing = client.get(f"/clerk/assemblies/{a.pk}/screens/").content.decode()
    assert "Salle du conseil, mur gauche" in listing and token not in listing


@pytest.mark.django_db
def test_only_the_assemblys_clerks_manage_its_screens(client):
    a = f.assembly(members=3)
    client.force_login(f.councillors(a)[0].user)
    page = client.get(f"/clerk/assemblies/{a.pk}/screens/")
    assert page.status_code == 403
    client.force_login(f.staff(f.assembly(members=2)))
    assert client.post(f"/clerk/assemblies/{a.pk}/screens/", {"label": "x"}).status_code == 403
    assert not ScreenToken.objects.exists()


@pytest.mark.django_db
def test_the_screen_shows_the_sitting_without_login_and_a_revoked_token_gets_403(client):
    a = f.assembly(members=5)
    clerk = f.staff(a)
    s = f.in_session(a, clerk=clerk, notes=True)
    item = s.items.get()
    AgendaItem.objects.filter(pk=item.pk).update(summary="Approbation du budget primitif 2027.")
    path = _issue(client, a, clerk)
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert s.title in html and "Approbation du budget primitif 2027." in html
    assert page["Referrer-Policy"] == "no-referrer"
    screens.screen_revoke(screen=ScreenToken.objects.get(), user=clerk)
    refused = client.get(path)
    assert refused.status_code == 403
    assert "révoqué par le greffe" in refused.content.decode()
    assert client.get("/screen/not-a-token/").status_code == 403


@pytest.mark.django_db
def test_no_sitting_yet_says_so():
    a = f.assembly(members=2)
    screen, token = screens.screen_issue(assembly=a, label="Écran", user=None)
    from django.test import Client

    page = Client().get(f"/screen/{token}/")
    assert "Aucune séance en cours" in page.content.decode()


@sync_to_async
def _setting_up(remote: bool = False):
    a = f.assembly(members=6, kind="epci" if remote else "commune", remote_rooms=1 if remote else 0)
    clerk = f.staff(a)
    extra = {"remote_rooms": list(a.rooms.filter(kind="remote"))} if remote else {}
    s = f.in_session(a, clerk=clerk, present=4, notes=True, **extra)
    _screen, token = screens.screen_issue(assembly=a, label="Écran", user=clerk)
    return a, s, clerk, token


async def _receive(comm, kind, timeout=5):
    while True:
        message = await comm.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_screen_socket_follows_the_floor_and_the_closed_session():
    a, s, clerk, token = await _setting_up()
    comm = WebsocketCommunicator(app, f"/ws/sittings/{s.pk}/screen/?token={token}")
    assert (await comm.connect())[0]
    first = await comm.receive_json_from(timeout=5)
    assert first["type"] == "sittings.snapshot"
    assert first["state"]["current_item"]["title"] == "Délibération 1"
    assert "members" not in first["state"]  # the members' view, not the desk's
    member = await sync_to_async(lambda: f.councillors(a)[0])()
    await sync_to_async(services.hand_raise)(sitting=s, member=member)
    raised = await _receive(comm, "sittings.hand_raised")
    assert [r["name"] for r in raised["state"]["queue"]] == [member.full_name]
    present = await sync_to_async(lambda: list(a.members.order_by("id")[:3]))()
    await sync_to_async(f.closed_session)(s, present, 4, clerk)
    closed = await _receive(comm, "sittings.closed_session_entered")
    assert closed["state"]["sitting"]["in_closed_session"] is True
    # In the room the members still see the item under discussion.
    assert closed["state"]["current_item"]["title"] == "Délibération 1"
    await comm.send_json_to({"action": "open"})
    refused = await _receive(comm, "error")
    assert refused["code"] == "read_only"
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_revoking_closes_the_screens_socket_and_another_assemblys_token_is_refused():
    a, s, clerk, token = await _setting_up()
    other, other_s, other_clerk, other_token = await _setting_up()
    stranger = WebsocketCommunicator(app, f"/ws/sittings/{s.pk}/screen/?token={other_token}")
    await stranger.connect()
    refused = await stranger.receive_json_from(timeout=5)
    assert refused["type"] == "error" and refused["code"] == "not_found"
    comm = WebsocketCommunicator(app, f"/ws/sittings/{s.pk}/screen/?token={token}")
    await comm.connect()
    await comm.receive_json_from(timeout=5)
    screen = await sync_to_async(ScreenToken.objects.get)(assembly=a)
    await sync_to_async(screens.screen_revoke)(screen=screen, user=clerk)
    revoked = await _receive(comm, "sittings.screen_revoked")
    assert "révoqué" in revoked["message"] or "revoked" in revoked["message"]
    assert (await comm.receive_output(timeout=5))["type"] == "websocket.close"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_remote_councillors_are_named_with_their_room():
    a, s, clerk, token = await _setting_up(remote=True)
    comm = WebsocketCommunicator(app, f"/ws/sittings/{s.pk}/screen/?token={token}")
    await comm.connect()
    await comm.receive_json_from(timeout=5)
    room = await sync_to_async(lambda: a.rooms.get(kind="remote"))()
    far = await sync_to_async(lambda: list(a.members.order_by("id"))[5])()
    await sync_to_async(services.attendance_record)(
        sitting=s, member=far, kind="arrival", mode="remote_room", room=room, user=clerk
    )
    event = await _receive(comm, "sittings.attendance_changed")
    remote = event["state"]["screen"]["remote"]
    assert remote == [{"name": far.full_name, "mode": "remote_room", "where": room.name}]
    assert event["state"]["screen"]["several_places"] is True
    await comm.disconnect()
