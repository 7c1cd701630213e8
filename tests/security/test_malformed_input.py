"""Malformed input on every websocket route and every write with an id (issue 14): each is
refused with a 4xx and a message, or an error frame; a socket stays open (or closes with a
4xxx code, never 1011); nothing stored is lost or half-changed.

The inputs are the audit's: a frame nested 5,000 deep, "²" (str.isdigit() says yes, int()
says no), "٣" (both say yes), a string "55" for an id, a list, a float, an id that names
nobody, an id of another assembly or sitting, requesters who do not exist or are absent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from council.models import Member, Room
from council.routing import websocket_urlpatterns
from sessions import services as sittings
from sessions.errors import InvalidInput
from sessions.models import AgendaItem, AttendanceEvent, Proxy, ProxyCover, Sitting
from tests import factories as f
from voting import services as voting
from voting.models import Ballot, SecretParticipation, Vote

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(websocket_urlpatterns)

DEEP = '{"action": "raise_hand", "x": ' + "[" * 5000 + "]" * 5000 + "}"
NOT_IDS = ["²", "٣", "1e3", "55", 5.5, True, [5], {"id": 5}, -3, 0, 2**64, "9" * 5000]


@dataclass
class Council:
    """An open sitting of six (0 chairs, 1 is secretary, 0-4 present, 5 gave a proxy to
    4) with its election item under way, and another assembly's sitting, vote and room."""

    s: Sitting
    people: list[Member]
    clerk: User
    item: AgendaItem
    other_sitting: Sitting
    other_vote: Vote
    stranger: Member
    other_room: Room


def build() -> Council:
    a = f.assembly(members=6, population=1_000, remote_rooms=1)
    people = list(a.members.order_by("id").select_related("user"))
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=0, notes=False)
    item = sittings.item_add(sitting=s, user=clerk, title="Élection", kind="election")
    sittings.item_add(sitting=s, user=clerk, title="Budget", matter="7.1")
    sittings.proxy_grant(grantor=people[5], holder=people[4], sittings=[s], user=None)
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, people[:5])
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    sittings.item_take_up(sitting=s, item=item, user=None)
    b = f.assembly(members=4, population=1_000, remote_rooms=1)
    other = f.in_session(b, present=4)
    other_vote = voting.vote_open(item=other.current_item, kind="electronic", user=None)
    s.refresh_from_db()
    return Council(
        s=s,
        people=people,
        clerk=clerk,
        item=item,
        other_sitting=other,
        other_vote=other_vote,
        stranger=b.members.order_by("id").last(),
        other_room=b.rooms.get(kind=Room.Kind.REMOTE),
    )


def open_election(c: Council) -> Vote:
    return voting.vote_open(
        item=c.item, kind="election", user=None, candidates=[c.people[2], c.people[3]]
    )


def stored(c: Council) -> dict[str, object]:
    """What a refusal must leave as it was."""
    return {
        "votes": list(Vote.objects.order_by("id").values_list("id", "state")),
        "ballots": Ballot.objects.count(),
        "participations": SecretParticipation.objects.count(),
        "attendance": AttendanceEvent.objects.count(),
        "proxies": list(Proxy.objects.order_by("id").values_list("id", "revoked_at")),
        "covers": list(ProxyCover.objects.order_by("id").values_list("id", "active")),
        "sitting": list(
            Sitting.objects.filter(pk=c.s.pk).values_list(
                "state", "current_item", "in_closed_session"
            )
        ),
        "items": list(c.s.items.order_by("id").values_list("id", "state")),
    }


# --- Sockets ---------------------------------------------------------------------------------


async def connect(path: str, user: User | None = None) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(app, path)
    if user is not None:
        comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    return comm


async def answer(comm: WebsocketCommunicator) -> dict:
    """The next answer to a frame of ours (an ack or an error), past the group events."""
    while True:
        message = await comm.receive_json_from(timeout=10)
        if message["type"] in ("ack", "error"):
            return message


async def refused(comm: WebsocketCommunicator, frame: dict | str, code: str | None = None) -> dict:
    await comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))
    reply = await answer(comm)
    assert reply["type"] == "error", (frame, reply)
    assert reply["message"], reply
    if code is not None:
        assert reply["code"] == code, (frame, reply)
    return reply


async def still_open(comm: WebsocketCommunicator) -> None:
    """The socket still reads and answers frames."""
    await refused(comm, {"action": "no_such_action"}, "unknown_action")


ROUTES = [str(p.pattern).rstrip("/").rsplit("/", 1)[-1] for p in websocket_urlpatterns]


def route_clients(c: Council) -> dict[str, tuple[str, User | None]]:
    """How each route of council/routing.py is joined: the query string and the user."""
    chair, seat = c.people[0].user, c.people[4].user
    clients: dict[str, tuple[str, User | None]] = {
        "public": ("", None),
        "seat": ("", seat),
        "chair": ("", chair),
        "roll": ("", c.clerk),
        "visio": ("", seat),
    }
    if "screen" in ROUTES:  # the room's screen: a device token, no login
        from sessions.services.screens import screen_issue

        _screen, token = screen_issue(assembly=c.s.assembly, label="Écran", user=c.clerk)
        clients["screen"] = (f"?token={token}", None)
    return clients


async def test_a_deeply_nested_frame_is_refused_on_every_route_and_the_socket_stays_open():
    c = await sync_to_async(build)()
    before = await sync_to_async(stored)(c)
    clients = await sync_to_async(route_clients)(c)
    assert set(clients) == set(ROUTES)  # every route of council/routing.py
    for route, (query, user) in clients.items():
        comm = await connect(f"/ws/sittings/{c.s.id}/{route}/{query}", user)
        if route == "screen":  # read only: every frame gets the same refusal, undecoded
            for frame in (DEEP, "[NaN]", '{"action": "raise_hand"}'):
                await refused(comm, frame, "read_only")
        else:
            reply = await refused(comm, DEEP, "too_deep")
            assert "32" in reply["message"]
            await refused(comm, '{"action": "raise_hand", "x": NaN}', "invalid_json")
            await still_open(comm)
        await comm.disconnect()
    assert await sync_to_async(stored)(c) == before


@pytest.mark.parametrize("room", ["²", "٣", "1e3", "-1", "0", "x", "9" * 30, "1&room=2"])
async def test_a_malformed_room_closes_the_video_socket_with_a_4xxx_code(room):
    c = await sync_to_async(build)()
    from urllib.parse import quote

    query = "room=1&room=2" if room == "1&room=2" else "room=" + quote(room)
    comm = await connect(f"/ws/sittings/{c.s.id}/visio/?{query}", c.clerk)
    error = await comm.receive_json_from(timeout=10)
    assert error["type"] == "error" and error["code"] == "invalid_field" and error["message"]
    closed = await comm.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": 4400}


async def test_a_room_of_another_assembly_is_refused_on_the_video_socket():
    c = await sync_to_async(build)()
    comm = await connect(f"/ws/sittings/{c.s.id}/visio/?room={c.other_room.id}", c.clerk)
    error = await comm.receive_json_from(timeout=10)
    assert error["code"] == "wrong_room"
    assert (await comm.receive_output(timeout=10))["code"] == 4400


async def test_a_malformed_on_behalf_of_is_refused_never_read_as_the_voters_own_name():
    c = await sync_to_async(build)()
    vote = await sync_to_async(open_election)(c)
    candidate = str(c.people[2].id)
    grantor = c.people[5]
    seat = await connect(f"/ws/sittings/{c.s.id}/seat/", c.people[4].user)
    before = await sync_to_async(stored)(c)
    for n, bad in enumerate([str(grantor.id), [grantor.id], float(grantor.id), True, "", {}]):
        frame = {
            "action": "ballot",
            "vote": vote.id,
            "choice": candidate,
            "client_id": f"bad-ballot-{n}",
            "on_behalf_of": bad,
        }
        await refused(seat, frame, "invalid_field")
    for n, unknown in enumerate([999_999_999, c.stranger.id, 2**63]):
        frame = {
            "action": "ballot",
            "vote": vote.id,
            "choice": candidate,
            "client_id": f"unknown-ballot-{n}",
            "on_behalf_of": unknown,
        }
        reply = await refused(seat, frame)
        assert reply["code"] in ("unknown_member", "invalid_field")
    assert await sync_to_async(stored)(c) == before
    # A candidate spelt "²" or "٣", or as a number: refused, and nothing cast.
    for n, choice in enumerate(["²", "٣", " " + candidate, int(candidate), None]):
        frame = {
            "action": "ballot",
            "vote": vote.id,
            "choice": choice,
            "client_id": f"choice-ballot-{n}",
        }
        await refused(seat, frame)
    assert await sync_to_async(stored)(c) == before
    # Absent or null: the voter's own name; then the grantor's with a proper id.
    own = {"action": "ballot", "vote": vote.id, "choice": candidate, "client_id": "own-ballot-1"}
    await seat.send_json_to({**own, "on_behalf_of": None})
    ack = await answer(seat)
    assert ack["type"] == "ack" and ack["result"]["member"] == c.people[4].id, ack
    await seat.send_json_to({**own, "client_id": "proxy-ballot-1", "on_behalf_of": grantor.id})
    ack = await answer(seat)
    assert ack["type"] == "ack" and ack["result"]["member"] == grantor.id
    await seat.disconnect()


async def test_every_id_of_the_chair_and_the_roll_is_parsed_and_checked_against_the_sitting():
    c = await sync_to_async(build)()
    chair = await connect(f"/ws/sittings/{c.s.id}/chair/", c.people[0].user)
    roll = await connect(f"/ws/sittings/{c.s.id}/roll/", c.clerk)
    other_item = await sync_to_async(lambda: c.other_sitting.items.first())()
    before = await sync_to_async(stored)(c)
    for bad in NOT_IDS:
        await refused(chair, {"action": "take_up", "item": bad}, "invalid_field")
        await refused(chair, {"action": "secretary", "member": bad}, "invalid_field")
        await refused(chair, {"action": "give_floor", "request": bad}, "invalid_field")
        await refused(roll, {"action": "attendance", "member": bad, "kind": "arrival"})
        await refused(chair, {"action": "vote_close", "vote": bad}, "invalid_field")
    await refused(chair, {"action": "take_up", "item": other_item.id}, "unknown_item")
    await refused(chair, {"action": "secretary", "member": c.stranger.id}, "unknown_member")
    await refused(chair, {"action": "vote_close", "vote": c.other_vote.id}, "unknown_vote")
    frame = {"action": "attendance", "member": c.stranger.id, "kind": "arrival"}
    await refused(roll, frame, "unknown_member")
    frame = {
        "action": "attendance",
        "member": c.people[5].id,
        "kind": "arrival",
        "mode": "remote_room",
        "room": c.other_room.id,
    }
    await refused(roll, frame, "unknown_room")
    await refused(chair, {"action": "urgency", "accepted": "false"}, "invalid_field")
    await refused(chair, {"action": "interest", "item": c.item.id, "member": c.people[3].id,
                          "declared": "no"}, "invalid_field")  # fmt: skip
    await refused(chair, {"action": "take_up", "item": c.item.id, "ref": {"x": 1}}, "invalid_field")
    await still_open(chair)
    await still_open(roll)
    assert await sync_to_async(stored)(c) == before
    await chair.disconnect()
    await roll.disconnect()


async def test_invented_or_absent_requesters_are_refused_and_nothing_is_opened():
    c = await sync_to_async(build)()
    budget = await sync_to_async(lambda: c.s.items.get(title="Budget"))()
    await sync_to_async(sittings.item_take_up)(sitting=c.s, item=budget, user=None)
    chair = await connect(f"/ws/sittings/{c.s.id}/chair/", c.people[0].user)
    before = await sync_to_async(stored)(c)
    invented = list(range(900_001, 900_030))  # the audit's 29 ids that name nobody
    present = [p.id for p in c.people[:3]]
    absent = c.people[5]
    for kind, key in (("secret", "secret"), ("roll_call", "roll_call")):
        reply = await refused(chair, {"action": "vote_open", "kind": kind, key: invented})
        assert reply["code"] == "unknown_member" and "900001" in reply["message"]
        reply = await refused(
            chair, {"action": "vote_open", "kind": kind, key: [*present, c.stranger.id]}
        )
        assert reply["code"] == "unknown_member"
        reply = await refused(chair, {"action": "vote_open", "kind": kind, key: [absent.id]})
        assert reply["code"] == "requester_absent" and absent.full_name in reply["message"]
        await refused(chair, {"action": "vote_open", "kind": kind, key: ["²"]}, "invalid_field")
        await refused(chair, {"action": "vote_open", "kind": kind, key: "1,2"}, "invalid_field")
    await refused(chair, {"action": "secret_request", "requested_by": invented}, "unknown_member")
    frame = {"action": "secret_request", "requested_by": [absent.id]}
    await refused(chair, frame, "requester_absent")
    frame = {"action": "closed_session_vote_open", "requested_by": invented, "kind": "hands"}
    await refused(chair, frame, "unknown_member")
    frame = {"action": "closed_session_vote_open", "requested_by": [absent.id], "kind": "hands"}
    await refused(chair, frame, "requester_absent")
    frame = {"action": "closed_session_vote_open", "requested_by": present, "kind": 4}
    await refused(chair, frame, "invalid_field")
    frame = {"action": "closed_session_vote_open", "requested_by": present, "kind": "secret"}
    await refused(chair, frame, "invalid_kind")
    # R25: the counts typed by the chair are gone; the decision is a vote of its own.
    frame = {"action": "closed_session_enter", "requested_by": present, "votes_for": 4}
    await refused(chair, frame, "unknown_action")
    # Text the database cannot store (NUL; half a UTF-16 pair, which JSON spells "\\ud800").
    for question in ('"a\\u0000b"', '"a\\ud800b"'):
        frame = '{"action": "vote_open", "kind": "electronic", "question": QUESTION}'
        await refused(chair, frame.replace("QUESTION", question), "invalid_field")
    assert await sync_to_async(stored)(c) == before
    # The members present who ask are counted: the roll call opens.
    await chair.send_json_to({"action": "vote_open", "kind": "roll_call", "roll_call": present})
    assert (await answer(chair))["type"] == "ack"
    vote = await sync_to_async(Vote.objects.get)(sitting=c.s, state="open")
    assert vote.requests == {"roll_call": present}
    # A show of hands' counts are whole numbers of the known choices.
    for counts in ({"for": "²"}, {"for": 1.5}, {"for": -1}, {"pour": 3}, {"for": True}, [3]):
        await refused(chair, {"action": "vote_close", "vote": vote.id, "counts": counts})
    infinite = '{"action": "vote_close", "vote": VOTE, "counts": {"for": 1e999}}'
    await refused(chair, infinite.replace("VOTE", str(vote.id)))
    await still_open(chair)
    assert await sync_to_async(lambda: Vote.objects.get(pk=vote.id).state)() == "open"
    await chair.disconnect()


def test_requesters_are_checked_by_the_services_too():
    """The service refuses what any caller passes (socket, API, command), not only the
    consumer: ids of nobody, of another assembly, of members absent."""
    c = build()
    budget = c.s.items.get(title="Budget")
    sittings.item_take_up(sitting=c.s, item=budget, user=None)
    budget.refresh_from_db()
    for ids, code in (
        (list(range(900_001, 900_030)), "unknown_member"),
        ([c.people[1].id, c.stranger.id], "unknown_member"),
        ([c.people[5].id], "requester_absent"),
    ):
        with pytest.raises(InvalidInput) as err:
            voting.vote_open(item=budget, kind="secret", user=None, requests={"secret": ids})
        assert err.value.code == code
        with pytest.raises(InvalidInput) as err:
            voting.vote_open(item=budget, kind="roll_call", user=None, requests={"roll_call": ids})
        assert err.value.code == code
    with pytest.raises(InvalidInput) as err:
        voting.secret_request_record(item=budget, requested_by=[c.people[5]], user=None)
    assert err.value.code == "requester_absent"
    with pytest.raises(InvalidInput):
        voting.secret_request_record(item=budget, requested_by=[c.stranger], user=None)
    assert not Vote.objects.filter(sitting=c.s).exists()
    # Each member counts once: a member named twice is not two requesters.
    vote = voting.vote_open(
        item=budget,
        kind="roll_call",
        user=None,
        requests={"roll_call": [c.people[1].id, c.people[1].id, c.people[2].id]},
    )
    assert vote.requests == {"roll_call": [c.people[1].id, c.people[2].id]}


# --- Pages and forms ---------------------------------------------------------------------------


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_malformed_proxy_revocation_is_refused_before_anything_is_revoked():
    c = build()
    proxy = Proxy.objects.get(grantor=c.people[5])
    grantor = page_client(c.people[5].user)
    before = stored(c)
    for bad in ["²", "٣", "1e3", "-1", "9" * 30]:
        response = grantor.post(f"/seat/proxies/{proxy.id}/revoke/", {"sitting": bad})
        assert response.status_code == 400, bad
        assert 'data-code="invalid_field"' in response.content.decode()
    assert stored(c) == before  # still in force, every cover still active
    response = grantor.post(f"/seat/proxies/{proxy.id}/revoke/", {"sitting": str(c.s.id)})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/seat/sittings/{c.s.id}/"
    )
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None
    assert not ProxyCover.objects.filter(proxy=proxy, active=True).exists()


def test_a_malformed_proxy_is_refused_and_nothing_is_stored():
    c = build()
    member = page_client(c.people[3].user)
    before = stored(c)
    url = f"/seat/sittings/{c.s.id}/proxy/"
    holder = str(c.people[2].id)
    for data in (
        {"holder": holder, "sittings": ["²"]},
        {"holder": holder, "sittings": [str(c.s.id), "٣"]},
        {"holder": holder, "sittings": ["9" * 5000]},
        {"holder": "²", "sittings": [str(c.s.id)]},
        {"holder": holder, "sittings": [str(c.other_sitting.id)]},
    ):
        response = member.post(url, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert stored(c) == before


def test_the_clerk_forms_and_the_regie_parse_their_ids():
    c = build()
    clerk = page_client(c.clerk)
    c.s.refresh_from_db()
    before = stored(c)
    for bad in ["²", "٣", "", "9" * 40]:
        response = clerk.post(f"/clerk/sittings/{c.s.id}/deliveries/resend/", {"member": bad})
        assert response.status_code == 400, bad
    for bad in ["²", "1e3", "9" * 40]:
        response = clerk.post(f"/visio/probe/?bytes={bad}")
        assert response.status_code in (400, 405)
        assert clerk.get(f"/visio/probe/?bytes={bad}").status_code == 400
        assert clerk.get(f"/visio/sittings/{c.s.id}/?room={bad}").status_code == 400
        response = clerk.post(
            f"/broadcast/sittings/{c.s.id}/command/",
            {"action": "cut", "camera": bad},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_field"
        response = clerk.post(
            f"/broadcast/sittings/{c.s.id}/command/",
            {"action": "auto", "on": "yes"},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 400
    response = clerk.post(
        f"/broadcast/sittings/{c.s.id}/command/",
        {"action": "lower_third", "name": "Nom\x00"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_field"
    response = clerk.post(
        f"/clerk/assemblies/{c.s.assembly_id}/sittings/new/",
        {"title": "Conseil", "starts_at": "2030-01-10T18:00", "remote_rooms": ["²", "9" * 30]},
    )
    assert response.status_code == 400
    response = clerk.post(
        f"/clerk/assemblies/{c.s.assembly_id}/sittings/new/",
        {"title": "Conseil", "starts_at": "2030-01-10T18:00", "remote_rooms": ["9" * 30]},
    )
    assert response.status_code == 400
    assert stored(c) == before


# --- The API -----------------------------------------------------------------------------------


def api_for(user: User | None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def post_raw(api: APIClient, path: str, body: str):  # type: ignore[no-untyped-def]
    return api.post(path, body, content_type="application/json")


def test_the_api_refuses_deep_bodies_malformed_ids_and_unknown_fields():
    c = build()
    vote = open_election(c)
    chair, seat = api_for(c.people[0].user), api_for(c.people[4].user)
    before = stored(c)
    for path, api in (
        (f"/api/sittings/{c.s.id}/attendance/", chair),
        (f"/api/votes/{vote.id}/ballots/", seat),
        (f"/api/sittings/{c.s.id}/votes/", chair),
        ("/api/sittings/", chair),
        ("/api/token/", APIClient()),
    ):
        response = post_raw(api, path, DEEP)
        assert response.status_code == 400, (path, response.content)
        assert response.json()["code"] == "too_deep" and response.json()["message"]
    ballots = f"/api/votes/{vote.id}/ballots/"
    candidate = str(c.people[2].id)
    grantor = c.people[5].id
    for n, bad in enumerate(
        [str(grantor), [grantor], float(grantor), True, 999_999_999, c.stranger.id, 2**63]
    ):
        body = {"choice": candidate, "client_id": f"bad-ballot-{n}", "on_behalf_of": bad}
        response = seat.post(ballots, body, format="json")
        assert response.status_code == 400, (bad, response.json())
        assert response.json()["message"]
    response = seat.post(
        ballots,
        {"choice": candidate, "client_id": "typo-ballot", "onBehalfOf": grantor},
        format="json",
    )
    assert response.status_code == 400 and "onBehalfOf" in response.json()["message"]
    for n, choice in enumerate(["²", "٣", "¹²"]):
        response = seat.post(
            ballots, {"choice": choice, "client_id": f"choice-ballot-{n}"}, format="json"
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_choice"
    response = chair.post(
        f"/api/sittings/{c.s.id}/attendance/",
        {
            "member": c.people[5].id,
            "kind": "arrival",
            "mode": "remote_room",
            "room": c.other_room.id,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "unknown_room"
    response = chair.post(
        f"/api/sittings/{c.s.id}/attendance/",
        {"member": "²", "kind": "arrival"},
        format="json",
    )
    assert response.status_code == 400
    other_item = c.other_sitting.items.first()
    for query in ("²", "٣", "-1", "", str(other_item.id), [str(c.item.id)] * 2):
        response = seat.get(f"/api/sittings/{c.s.id}/quorum/", {"item": query})
        assert response.status_code == 400, query
    member = api_for(c.people[3].user)
    for sittings_ids in (["²"], [str(c.s.id)], [c.other_sitting.id], [c.s.id, 2**64]):
        response = member.post(
            f"/api/sittings/{c.s.id}/proxies/",
            {"holder": c.people[2].id, "sittings": sittings_ids},
            format="json",
        )
        assert response.status_code == 400, sittings_ids
    assert stored(c) == before
    # Well formed, it works: the grantor's ballot by proxy.
    response = seat.post(
        ballots,
        {"choice": candidate, "client_id": "ok-ballot-1", "on_behalf_of": grantor},
        format="json",
    )
    assert response.status_code == 201 and response.json()["member"] == grantor


def test_the_api_refuses_invented_requesters():
    c = build()
    budget = c.s.items.get(title="Budget")
    sittings.item_take_up(sitting=c.s, item=budget, user=None)
    chair = api_for(c.people[0].user)
    before = stored(c)
    for body, code in (
        ({"kind": "secret", "secret": list(range(900_001, 900_030))}, "unknown_member"),
        ({"kind": "roll_call", "roll_call": [c.stranger.id]}, "unknown_member"),
        ({"kind": "roll_call", "roll_call": [c.people[5].id]}, "requester_absent"),
        ({"kind": "roll_call", "roll_call": ["²"]}, "invalid_input"),
    ):
        response = chair.post(f"/api/sittings/{c.s.id}/votes/", body, format="json")
        assert response.status_code == 400 and response.json()["code"] == code, response.json()
    assert stored(c) == before


def test_a_bad_token_gets_401_with_the_scheme_to_use():
    response = APIClient(HTTP_AUTHORIZATION="Token not-a-token").get("/api/sittings/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert response.json()["message"]
    assert APIClient().get("/api/sittings/").status_code == 401
    response = APIClient().get("/api/sittings/-1/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
