"""The vote over REST (voting/api.py): the urgency vote, declared interests, a request for
a secret ballot, elections and their further rounds, the compte administratif's own chair,
roll-call answers and the casting vote, with the desk's permissions and clear 400s."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sessions import services as sittings
from sessions.models import AgendaItem, Interest
from tests import factories as f
from tests.voting.ballots import cast, open_sitting
from voting import services
from voting.models import Ballot, Vote

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    """A client with the user's token, as an integrator calls the API."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def refused(answer, status: int, code: str | None = None) -> dict:
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["message"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def outsiders(s) -> list[tuple[APIClient, int]]:
    """A councillor of the sitting (403), another assembly's clerk (403), nobody (401)."""
    other = f.assembly(members=3, population=1_000)
    councillor = s.assembly.members.exclude(pk=s.chair_id).order_by("-id").first()
    return [(api(councillor.user), 403), (api(f.staff(other)), 403), (api(), 401)]


def test_urgency_vote_rejected_postpones_the_items_and_only_the_desk_decides():
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, days=2, notes=False, urgency=True, urgency_reason="Sinistre")
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, list(a.members.all()))
    sittings.secretary_name(sitting=s, member=a.members.order_by("id")[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    url = f"/api/sittings/{s.id}/urgency/"
    for client, status in outsiders(s):
        refused(client.post(url, {"accepted": True}, format="json"), status)
    desk = api(clerk)
    refused(desk.post(url, {"accepted": "peut-être"}, format="json"), 400, "invalid_input")
    body = refused(desk.post(url, {"accepted": False, "why": "x"}, format="json"), 400)
    assert "why" in body["errors"] and "why" in body["message"]
    done = desk.post(url, {"accepted": False}, format="json")
    assert done.status_code == 200, done.json()
    items = sorted(s.items.values_list("id", flat=True))
    assert done.json() == {"accepted": False, "postponed": items}
    assert set(s.items.values_list("state", flat=True)) == {AgendaItem.State.POSTPONED}
    again = refused(desk.post(url, {"accepted": True}, format="json"), 409, "no_urgency")
    assert "urgence" in again["message"]


def test_interest_declared_by_the_chair_or_the_member_and_refused_to_others():
    s, item, m = open_sitting(members=7)
    url = f"/api/sittings/{s.id}/interests/"
    chair = api(m[0].user)
    made = chair.post(url, {"item": item.id, "member": m[3].id}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json() == {
        "item": item.id,
        "member": m[3].id,
        "declared": True,
        "interests": [m[3].id],
    }
    refused(chair.post(url, {"item": item.id, "member": m[3].id}, format="json"), 409, "duplicate")
    # The member declares their own, never another's.
    own = api(m[4].user)
    assert own.post(url, {"item": item.id}, format="json").status_code == 201
    refused(own.post(url, {"item": item.id, "member": m[5].id}, format="json"), 403, "forbidden")
    other = f.assembly(members=3, population=1_000)
    refused(api(f.staff(other)).post(url, {"item": item.id}, format="json"), 403)
    refused(api().post(url, {"item": item.id}, format="json"), 401)
    # Another assembly's member or item is a 400, as is an unknown field.
    stranger = other.members.first()
    refused(
        chair.post(url, {"item": item.id, "member": stranger.id}, format="json"),
        400,
        "unknown_member",
    )
    elsewhere = f.sitting(other, notes=False).items.first()
    refused(
        chair.post(url, {"item": elsewhere.id, "member": m[2].id}, format="json"),
        400,
        "unknown_item",
    )
    refused(chair.post(url, {"item": "7", "member": m[2].id}, format="json"), 400, "invalid_input")
    body = refused(chair.post(url, {"item": item.id, "membre": m[2].id}, format="json"), 400)
    assert "membre" in body["errors"]
    assert sorted(Interest.objects.filter(item=item).values_list("member_id", flat=True)) == [
        m[3].id,
        m[4].id,
    ]
    # Withdrawn: 200, and the vote then counts their voice again.
    gone = chair.post(url, {"item": item.id, "member": m[3].id, "declared": False}, format="json")
    assert gone.status_code == 200 and gone.json()["interests"] == [m[4].id]
    refused(
        chair.post(url, {"item": item.id, "member": m[3].id, "declared": False}, format="json"),
        409,
        "no_interest",
    )
    vote = chair.post(f"/api/sittings/{s.id}/votes/", {"kind": "electronic"}, format="json")
    assert vote.json()["voices"] == 6  # m[4] takes no part


def test_secret_ballot_request_recorded_and_in_a_teleconference_the_item_postponed():
    s, item, m = open_sitting(members=7)
    url = f"/api/sittings/{s.id}/secret-request/"
    for client, status in outsiders(s):
        refused(client.post(url, {"requested_by": [m[1].id]}, format="json"), status)
    desk = api(m[0].user)
    refused(
        desk.post(url, {"requested_by": [m[1].id, 999_999]}, format="json"), 400, "unknown_member"
    )
    refused(desk.post(url, {"requested_by": m[1].id}, format="json"), 400, "invalid_input")
    refused(desk.post(url, {}, format="json"), 400, "invalid_input")
    made = desk.post(url, {"requested_by": [m[1].id, m[2].id, m[3].id]}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json() == {"requested_by": [m[1].id, m[2].id, m[3].id], "postponed": False}
    assert AgendaItem.objects.get(pk=item.pk).state == AgendaItem.State.CURRENT


def test_election_with_candidates_a_further_round_and_its_chair():
    s, item, m = open_sitting(members=7, kind=AgendaItem.Kind.ELECTION)
    m[3].birthdate = datetime.date(1940, 5, 1)
    m[3].save(update_fields=["birthdate"])
    desk = api(m[0].user)
    votes = f"/api/sittings/{s.id}/votes/"
    body = {"kind": "election", "candidates": [m[4].id, m[5].id]}
    wrong = refused(
        desk.post(votes, {**body, "chair": m[0].id}, format="json"), 409, "election_chair"
    )
    assert m[3].full_name in wrong["message"]
    refused(
        desk.post(votes, {**body, "candidates": [m[4].id, 999_999]}, format="json"),
        400,
        "unknown_member",
    )
    refused(desk.post(votes, {"kind": "election"}, format="json"), 409, "no_candidates")
    opened = desk.post(votes, body, format="json")
    assert opened.status_code == 201, opened.json()
    vote = Vote.objects.get(pk=opened.json()["id"])
    assert vote.chair == m[3] and set(vote.candidates.all()) == {m[4], m[5]}
    url = f"/api/votes/{vote.id}/next-round/"
    refused(desk.post(url, {}, format="json"), 409, "no_next_round")  # still open
    for member, choice in zip(m, [m[4], m[4], m[4], m[5], m[5], m[5]], strict=False):
        cast(vote, member, str(choice.id))
    cast(vote, m[6], "blank")
    closed = desk.post(f"/api/votes/{vote.id}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["winner"] is None
    for client, status in outsiders(s):
        refused(client.post(url, {}, format="json"), status)
    refused(
        desk.post(url, {"candidates": [m[4].id], "tour": 2}, format="json"), 400, "invalid_input"
    )
    second = desk.post(url, {"candidates": [m[4].id, m[6].id]}, format="json")
    assert second.status_code == 201, second.json()
    out = second.json()
    assert out["round"] == 2 and out["chair"] == m[3].id
    assert out["candidates"] == sorted([m[4].id, m[6].id])
    assert Vote.objects.get(pk=out["id"]).previous_round_id == vote.id


def test_compte_administratif_voted_under_the_chair_the_council_elected():
    s, item, m = open_sitting(members=7, kind=AgendaItem.Kind.ACCOUNTS)
    desk = api(m[0].user)
    votes = f"/api/sittings/{s.id}/votes/"
    mayor = refused(desk.post(votes, {"kind": "hands"}, format="json"), 409, "accounts_chair")
    assert "R21" in mayor["message"]
    refused(
        desk.post(votes, {"kind": "hands", "chair": m[0].id}, format="json"), 409, "accounts_chair"
    )
    refused(desk.post(votes, {"kind": "hands", "chair": "m2"}, format="json"), 400, "invalid_input")
    for client, status in outsiders(s):
        refused(client.post(votes, {"kind": "hands", "chair": m[2].id}, format="json"), status)
    opened = desk.post(votes, {"kind": "hands", "chair": m[2].id}, format="json")
    assert opened.status_code == 201, opened.json()
    assert opened.json()["voices"] == 6  # the mayor withdraws for the vote
    assert Vote.objects.get(pk=opened.json()["id"]).chair == m[2]


def test_roll_call_answers_recorded_by_the_chair():
    s, item, m = open_sitting(members=7)
    vote = services.vote_open(
        item=item, kind="roll_call", user=None, requests={"roll_call": [m[1].id, m[2].id]}
    )
    url = f"/api/votes/{vote.id}/answers/"
    for client, status in outsiders(s):
        refused(client.post(url, {"member": m[1].id, "choice": "for"}, format="json"), status)
    desk = api(s.assembly.staff.first().user)
    refused(
        desk.post(url, {"member": m[1].id, "choice": "oui"}, format="json"), 400, "invalid_input"
    )
    other = f.assembly(members=3, population=1_000).members.first()
    refused(
        desk.post(url, {"member": other.id, "choice": "for"}, format="json"), 400, "unknown_member"
    )
    refused(desk.post(url, {"member": m[1].id, "choice": "for", "by": 3}, format="json"), 400)
    done = desk.post(url, {"member": m[1].id, "choice": "against"}, format="json")
    assert done.status_code == 201, done.json()
    assert done.json() == {
        "vote": vote.id,
        "member": m[1].id,
        "choice": "against",
        "answered": 1,
        "voices": 7,
    }
    refused(
        desk.post(url, {"member": m[1].id, "choice": "for"}, format="json"), 409, "already_voted"
    )
    assert Ballot.objects.get(vote=vote, member=m[1]).choice == "against"
    refused(
        api(m[0].user).post(
            "/api/votes/999999/answers/", {"member": m[1].id, "choice": "for"}, format="json"
        ),
        404,
    )


def test_the_casting_vote_over_rest_a_tie_decided_by_the_chairs_hand():
    s, item, m = open_sitting(members=7)
    desk = api(m[0].user)
    vote = desk.post(f"/api/sittings/{s.id}/votes/", {"kind": "hands"}, format="json").json()
    url = f"/api/votes/{vote['id']}/close/"
    for client, status in outsiders(s):
        refused(
            client.post(
                url, {"counts": {"for": 3, "against": 3, "chair_choice": "for"}}, format="json"
            ),
            status,
        )
    tie = {"for": 3, "against": 3, "abstain": 1}
    refused(
        desk.post(url, {"counts": tie, "confirm": True}, format="json"), 409, "casting_vote_missing"
    )
    refused(
        desk.post(url, {"counts": {**tie, "chair_choice": "pour"}}, format="json"),
        400,
        "invalid_input",
    )
    refused(
        desk.post(url, {"counts": {**tie, "chair": "for"}}, format="json"), 400, "invalid_input"
    )
    closed = desk.post(
        url, {"counts": {**tie, "chair_choice": "against"}, "confirm": True}, format="json"
    )
    assert closed.status_code == 200, closed.json()
    result = closed.json()
    assert result["adopted"] is False and result["casting_vote"] is True
    assert result["chair_vote"] == "against" and result["chair"] == m[0].full_name


def test_the_urgency_answer_names_only_the_items_it_postponed():
    """R7: the items postponed before the decision (here one carried for another reason,
    and another sitting's) are not in its answer."""
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, days=2, notes=False, urgency=True, urgency_reason="Sinistre")
    earlier = f.sitting(a, clerk=clerk, notes=False)
    earlier.items.update(state=AgendaItem.State.POSTPONED)
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, list(a.members.all()))
    sittings.secretary_name(sitting=s, member=a.members.order_by("id")[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    already = s.items.order_by("id").first()
    AgendaItem.objects.filter(pk=already.pk).update(state=AgendaItem.State.POSTPONED)
    done = api(clerk).post(f"/api/sittings/{s.id}/urgency/", {"accepted": False}, format="json")
    assert done.status_code == 200, done.json()
    rest = sorted(s.items.exclude(pk=already.pk).values_list("id", flat=True))
    assert done.json() == {"accepted": False, "postponed": rest}


def test_an_accepted_urgency_postpones_nothing_even_with_items_postponed_before():
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, days=2, notes=False, urgency=True, urgency_reason="Sinistre")
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, list(a.members.all()))
    sittings.secretary_name(sitting=s, member=a.members.order_by("id")[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    s.items.filter(pk=s.items.order_by("id").first().pk).update(state=AgendaItem.State.POSTPONED)
    done = api(clerk).post(f"/api/sittings/{s.id}/urgency/", {"accepted": True}, format="json")
    assert done.status_code == 200 and done.json() == {"accepted": True, "postponed": []}
