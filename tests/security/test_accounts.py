"""Accounts under attack: sockets after logout, password guessing, API tokens (issue 14).

The sockets go through the served stack (AuthMiddlewareStack, a real session cookie) on
the configured channel layer: Redis in CI, the in-memory layer on a fresh machine.
"""

from __future__ import annotations

import datetime

import pytest
from asgiref.sync import sync_to_async
from axes.models import AccessAttempt
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from council.models import StaffRole
from council.routing import websocket_urlpatterns
from tests import factories as f
from tests.sessions.sockets import connect, until
from voting.models import Ballot

app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))

LOCKED_FR = "échecs de connexion\u00a0: ce compte ou cette adresse est bloqué pendant 15 minutes"


# --- Sockets after logout ---------------------------------------------------------------


@sync_to_async
def sitting_with_open_vote_setup():
    a = f.assembly(members=5, population=1_000)
    people = list(a.members.order_by("id").select_related("user"))
    return f.in_session(a, present=5), people


@sync_to_async
def logged_in(user) -> Client:
    """A browser tab logged in as `user` (its session cookie)."""
    tab = Client()
    tab.force_login(user)
    return tab


async def seat_socket(sitting_id: int, tab: Client, path: str = "seat") -> WebsocketCommunicator:
    cookie = f"sessionid={tab.cookies['sessionid'].value}".encode()
    comm = WebsocketCommunicator(app, f"/ws/sittings/{sitting_id}/{path}/", [(b"cookie", cookie)])
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "sittings.snapshot"
    return comm


async def open_vote(sitting_id: int, chair_user) -> tuple[WebsocketCommunicator, int]:
    chair, _ = await connect(f"/ws/sittings/{sitting_id}/chair/", chair_user)
    await chair.send_json_to({"action": "vote_open", "kind": "electronic"})
    return chair, (await until(chair, "voting.vote_opened"))["state"]["vote"]["id"]


async def closing(comm: WebsocketCommunicator, timeout: float = 5) -> tuple[int, list[dict]]:
    """Reads the socket until it is closed: its close code and the error frames before it."""
    import json

    errors = []
    while True:
        out = await comm.receive_output(timeout=timeout)
        if out["type"] == "websocket.close":
            return out.get("code"), errors
        message = json.loads(out["text"])
        if message.get("type") == "error":
            errors.append(message)
        assert message.get("type") != "ack", f"acknowledged after the session ended: {message}"


def ballot(vote_id: int, client_id: str) -> dict:
    return {"action": "ballot", "vote": vote_id, "choice": "for", "client_id": client_id}


def stored(client_id: str) -> bool:
    return Ballot.objects.filter(client_id=client_id).exists()


@pytest.mark.django_db(transaction=True)
async def test_logout_in_another_tab_closes_the_seat_socket_and_its_vote_is_refused():
    s, people = await sitting_with_open_vote_setup()
    chair, vote = await open_vote(s.id, people[0].user)
    tab = await logged_in(people[3].user)
    seat = await seat_socket(s.id, tab)

    other_tab = Client()  # the same browser: the same session cookie
    other_tab.cookies["sessionid"] = tab.cookies["sessionid"].value
    assert (await sync_to_async(other_tab.post)("/logout/")).status_code == 302
    await seat.send_json_to(ballot(vote, "after-logout-0001"))
    code, errors = await closing(seat)
    assert code == 4401
    assert errors and errors[0]["code"] == "session_ended"
    assert errors[0]["message"] == "Votre session a pris fin\u00a0: reconnectez-vous."
    assert not await sync_to_async(stored)("after-logout-0001")
    await chair.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_every_frame_checks_the_session_again():
    """No message reaches the socket (a session deleted by hand, an expired one): the next
    action is refused all the same."""
    s, people = await sitting_with_open_vote_setup()
    chair, vote = await open_vote(s.id, people[0].user)
    tab = await logged_in(people[3].user)
    seat = await seat_socket(s.id, tab)
    await seat.send_json_to({**ballot(vote, "before-0001"), "ref": "b"})
    assert (await until(seat, "ack"))["ref"] == "b"

    await sync_to_async(Session.objects.filter(pk=tab.cookies["sessionid"].value).delete)()
    await seat.send_json_to(ballot(vote, "after-0002"))
    code, errors = await closing(seat)
    assert code == 4401 and errors[0]["code"] == "session_ended"
    assert not await sync_to_async(stored)("after-0002")
    await chair.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_password_change_closes_the_seat_socket():
    s, people = await sitting_with_open_vote_setup()
    chair, vote = await open_vote(s.id, people[0].user)
    tab = await logged_in(people[3].user)
    seat = await seat_socket(s.id, tab)

    @sync_to_async
    def change_password():  # as the admin site or `manage.py changepassword` do
        user = people[3].user.__class__.objects.get(pk=people[3].user_id)
        user.set_password("a-new-long-passphrase-42")
        user.save()

    await change_password()
    code, errors = await closing(seat)
    assert code == 4401 and errors[0]["code"] == "session_ended"
    # The old session cannot come back either.
    seat_again = WebsocketCommunicator(
        app,
        f"/ws/sittings/{s.id}/seat/",
        [(b"cookie", f"sessionid={tab.cookies['sessionid'].value}".encode())],
    )
    await seat_again.connect()
    refused = await seat_again.receive_json_from(timeout=5)
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    await seat_again.disconnect()
    await chair.disconnect()
    assert vote


@pytest.mark.django_db(transaction=True)
async def test_a_deactivated_account_loses_its_sockets():
    s, people = await sitting_with_open_vote_setup()
    tab = await logged_in(people[2].user)
    seat = await seat_socket(s.id, tab)

    @sync_to_async
    def deactivate():
        user = people[2].user
        user.is_active = False
        user.save()

    await deactivate()
    code, errors = await closing(seat)
    assert code == 4401 and errors[0]["code"] == "session_ended"


@pytest.mark.django_db(transaction=True)
async def test_a_deleted_account_loses_its_sockets():
    s, people = await sitting_with_open_vote_setup()
    tab = await logged_in(people[2].user)
    seat = await seat_socket(s.id, tab)
    await sync_to_async(people[2].user.delete)()
    code, errors = await closing(seat)
    assert code == 4401 and errors[0]["code"] == "session_ended"


@pytest.mark.django_db(transaction=True)
async def test_a_member_unlinked_from_the_account_is_closed_and_cannot_vote():
    s, people = await sitting_with_open_vote_setup()
    chair, vote = await open_vote(s.id, people[0].user)
    tab = await logged_in(people[4].user)
    seat = await seat_socket(s.id, tab)

    @sync_to_async
    def unlink():
        member = people[4].__class__.objects.get(pk=people[4].pk)
        member.user = None
        member.save()

    await unlink()
    code, errors = await closing(seat)
    assert code == 4403 and errors[0]["code"] == "forbidden"
    assert not await sync_to_async(Ballot.objects.filter(vote_id=vote).exists)()
    await chair.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_clerk_whose_role_is_removed_loses_the_chair_dashboard():
    s, people = await sitting_with_open_vote_setup()
    clerk = await sync_to_async(lambda: StaffRole.objects.get(assembly=s.assembly_id).user)()
    tab = await logged_in(clerk)
    desk = await seat_socket(s.id, tab, path="chair")
    await sync_to_async(StaffRole.objects.filter(user=clerk).delete)()
    code, errors = await closing(desk)
    assert code == 4403 and errors[0]["code"] == "forbidden"


@pytest.mark.django_db(transaction=True)
async def test_a_logout_elsewhere_leaves_the_other_sessions_open():
    """Logging out of one browser closes that browser's sockets, not the phone's."""
    s, people = await sitting_with_open_vote_setup()
    chair, vote = await open_vote(s.id, people[0].user)
    laptop, phone = await logged_in(people[3].user), await logged_in(people[3].user)
    on_phone = await seat_socket(s.id, phone)
    assert (await sync_to_async(laptop.post)("/logout/")).status_code == 302
    await on_phone.send_json_to({**ballot(vote, "phone-0001"), "ref": "p"})
    assert (await until(on_phone, "ack"))["ref"] == "p"
    await on_phone.disconnect()
    await chair.disconnect()


# --- Password guessing ------------------------------------------------------------------


def login(client: Client, username: str, password: str, address: str = "198.51.100.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def cool_off_passes() -> None:
    """The cool-off's minutes go by (the attempts are dated that much earlier)."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))


@pytest.mark.django_db
def test_an_account_is_locked_after_many_wrong_passwords_from_anywhere(client):
    alice = f.user("alice")
    answers = [
        login(client, "alice", f"guess-{n}", f"203.0.113.{n}").status_code for n in range(100)
    ]
    # The form again ("wrong password") nine times; the tenth failure locks the account.
    assert answers[:9] == [200] * 9 and set(answers[9:]) == {429}
    locked = login(client, "alice", f.PASSWORD, "192.0.2.77")
    assert locked.status_code == 429
    assert LOCKED_FR in locked.content.decode()
    assert "_auth_user_id" not in client.session
    cool_off_passes()
    assert login(client, "alice", f.PASSWORD, "192.0.2.77").status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


@pytest.mark.django_db
def test_an_address_is_locked_after_many_wrong_passwords_on_any_account(client):
    f.user("bob")
    for n in range(100):
        login(client, f"someone-{n}", "wrong", "198.51.100.9")
    refused = login(client, "bob", f.PASSWORD, "198.51.100.9")
    assert refused.status_code == 429 and LOCKED_FR in refused.content.decode()
    # From another address, Bob logs in.
    assert login(client, "bob", f.PASSWORD, "198.51.100.10").status_code == 302


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_too(client):
    f.user("carol")

    def token(password: str, address: str):
        return client.post(
            "/api/token/", {"username": "carol", "password": password}, REMOTE_ADDR=address
        )

    answers = [token(f"guess-{n}", "203.0.113.5").status_code for n in range(100)]
    assert answers[:9] == [400] * 9 and set(answers[9:]) == {429}
    refused = token(f.PASSWORD, "192.0.2.8")
    assert refused.status_code == 429
    assert refused.json()["code"] == "locked_out" and LOCKED_FR in refused.json()["message"]
    cool_off_passes()
    assert token(f.PASSWORD, "192.0.2.8").status_code == 200


@pytest.mark.django_db
def test_an_expired_api_token_gets_401_and_a_new_one_is_given(client, settings):
    settings.SEANCE_API_TOKEN_TTL = 3600
    f.user("dan")
    given = client.post("/api/token/", {"username": "dan", "password": f.PASSWORD}).json()
    assert given["expires"]
    api = Client(HTTP_AUTHORIZATION=f"Token {given['token']}")
    assert api.get("/api/sittings/").status_code == 200

    Token.objects.filter(key=given["token"]).update(
        created=timezone.now() - datetime.timedelta(seconds=3601)
    )
    expired = api.get("/api/sittings/")
    assert expired.status_code == 401
    assert expired.json()["message"] == (
        "Ce jeton d'API a expiré\u00a0: demandez-en un nouveau à /api/token/."
    )
    again = client.post("/api/token/", {"username": "dan", "password": f.PASSWORD}).json()
    assert again["token"] != given["token"]
    fresh = Client(HTTP_AUTHORIZATION=f"Token {again['token']}")
    assert fresh.get("/api/sittings/").status_code == 200


@pytest.mark.django_db
def test_a_request_without_credentials_gets_401():
    assert Client().get("/api/sittings/").status_code == 401


def test_passwords_follow_djangos_validators():
    for weak in ("azerty", "12345678901", "password1"):
        with pytest.raises(ValidationError):
            password_validation.validate_password(weak)
    password_validation.validate_password("une phrase de passe assez longue")
