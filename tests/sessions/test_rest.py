"""The REST API: the same services, per-role permissions, clear 4xx answers."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sessions import services
from sessions.models import AgendaItem, AttendanceEvent, ProxyCover, Sitting
from tests import factories as f
from voting.models import Ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    a = f.assembly(members=7, population=1_000)
    return a, f.staff(a), list(a.members.order_by("id").select_related("user"))


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_clerk_prepares_and_convenes_with_a_token(council):
    a, clerk, m = council
    token = Token.objects.create(user=clerk)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    created = api.post(
        "/api/sittings/",
        {"assembly": a.id, "title": "Conseil de décembre", "starts_at": f.in_days(12).isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.json()
    sitting_id = created.json()["id"]
    for title in ("Budget", "Subventions"):
        assert (
            api.post(
                f"/api/sittings/{sitting_id}/items/", {"title": title}, format="json"
            ).status_code
            == 201
        )
    sent = api.post(f"/api/sittings/{sitting_id}/convocation/")
    assert sent.status_code == 201 and sent.json()["clear_days"] == 11
    assert Sitting.objects.get(pk=sitting_id).state == "convened"
    # The anonymous public reads the public snapshot; drafts of others are hidden.
    public = client_for().get(f"/api/sittings/{sitting_id}/").json()
    assert public["sitting"]["state"] == "convened" and "members" not in public


def test_refusals_are_clear_and_change_nothing(council):
    a, clerk, m = council
    api = client_for(clerk)
    short = f.sitting(a, days=2, notes=False)
    answer = api.post(f"/api/sittings/{short.id}/convocation/")
    assert answer.status_code == 409 and answer.json()["code"] == "notice_too_short"
    assert Sitting.objects.get(pk=short.id).state == "draft"
    malformed = api.post(
        f"/api/sittings/{short.id}/items/", "{not json", content_type="application/json"
    )
    assert malformed.status_code == 400 and malformed.json()["message"]
    wrong = api.post(
        f"/api/sittings/{short.id}/items/", {"title": "x", "kind": "party"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_input"
    assert AgendaItem.objects.filter(sitting=short).count() == 3
    assert api.get("/api/sittings/999999/").status_code == 404
    councillor = client_for(m[3].user)
    denied = councillor.post(f"/api/sittings/{short.id}/items/", {"title": "x"}, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert client_for().post("/api/sittings/", {}, format="json").status_code in (401, 403)


def test_chair_runs_the_sitting_and_the_quorum_follows(council):
    a, clerk, m = council
    s = f.convened(a, notes=False)
    chair = client_for(m[0].user)
    refused = chair.post(f"/api/sittings/{s.id}/transitions/", {"action": "open"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "secretary_missing"
    for member in m[:4]:
        answer = chair.post(
            f"/api/sittings/{s.id}/attendance/",
            {"member": member.id, "kind": "arrival"},
            format="json",
        )
        assert answer.status_code == 201
    assert answer.json()["quorum"]["reached"] is True
    twice = chair.post(
        f"/api/sittings/{s.id}/attendance/", {"member": m[0].id, "kind": "arrival"}, format="json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_present"
    assert AttendanceEvent.objects.filter(sitting=s).count() == 4
    services.secretary_name(sitting=s, member=m[1], user=None)
    assert (
        chair.post(
            f"/api/sittings/{s.id}/transitions/",
            {"action": "open", "open_anyway": True, "reason": "essai"},
            format="json",
        ).status_code
        == 200
    )
    item = s.items.first()
    taken = chair.post(f"/api/sittings/{s.id}/current-item/", {"item": item.id}, format="json")
    assert taken.status_code == 200 and taken.json()["state"] == "current"
    quorum = client_for(m[5].user).get(f"/api/sittings/{s.id}/quorum/?item={item.id}").json()
    assert quorum["explanation"] == "4 sur 7 en exercice présents, 4 requis"
    assert (
        client_for(m[5].user)
        .post(f"/api/sittings/{s.id}/transitions/", {"action": "close"}, format="json")
        .status_code
        == 403
    )


def test_proxies_and_ballots_over_the_api(council):
    a, clerk, m = council
    s = f.convened(a, notes=False)
    assert (
        client_for(m[6].user)
        .post(f"/api/sittings/{s.id}/proxies/", {"holder": m[5].id}, format="json")
        .status_code
        == 201
    )
    again = client_for(m[4].user).post(
        f"/api/sittings/{s.id}/proxies/", {"holder": m[5].id}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "holder_has_proxy"
    assert ProxyCover.objects.filter(sitting=s, active=True).count() == 1
    f.arrive(s, m[:6])
    services.secretary_name(sitting=s, member=m[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    services.item_take_up(sitting=s, item=s.items.first(), user=None)
    opened = client_for(m[0].user).post(
        f"/api/sittings/{s.id}/votes/", {"kind": "electronic"}, format="json"
    )
    assert opened.status_code == 201 and opened.json()["voices"] == 7
    vote_id = opened.json()["id"]
    holder = client_for(m[5].user)
    first = holder.post(
        f"/api/votes/{vote_id}/ballots/",
        {"choice": "for", "client_id": "api-ballot-01"},
        format="json",
    )
    replay = holder.post(
        f"/api/votes/{vote_id}/ballots/",
        {"choice": "for", "client_id": "api-ballot-01"},
        format="json",
    )
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["duplicate"] is True
    proxy = holder.post(
        f"/api/votes/{vote_id}/ballots/",
        {"choice": "against", "client_id": "api-ballot-02", "on_behalf_of": m[6].id},
        format="json",
    )
    assert proxy.status_code == 201 and proxy.json()["member"] == m[6].id
    bad = holder.post(f"/api/votes/{vote_id}/ballots/", {"choice": 3}, format="json")
    assert bad.status_code == 400
    result = client_for(m[0].user).post(
        f"/api/votes/{vote_id}/close/", {"confirm": True}, format="json"
    )
    assert result.status_code == 200 and result.json()["for"] == 1
    late = holder.post(
        f"/api/votes/{vote_id}/ballots/",
        {"choice": "for", "client_id": "api-ballot-03"},
        format="json",
    )
    assert late.status_code == 409 and late.json()["code"] == "vote_closed"
    assert Ballot.objects.filter(vote_id=vote_id).count() == 2


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "/api/sittings/{sitting_id}/attendance/" in body and "/api/votes/{vote_id}/ballots/" in body
    )
