"""One whole sitting over REST alone, as an integrator would drive it with tokens: from the
convocation to the minutes published on the next sitting's agenda (R1-R31), the acts then
in the public archive; and the new endpoints' permissions and unknown fields."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sessions.models import AttendanceEvent, Publication, Sitting
from tests import factories as f

pytestmark = pytest.mark.django_db


def api_for(user=None) -> APIClient:
    """A client with the user's token, as an integrator holds it (none: anonymous)."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.content
    return answer.json()


@pytest.fixture
def council():
    a = f.assembly(members=7, population=1_000)
    clerk = f.staff(a)
    people = list(a.members.order_by("id").select_related("user"))
    return a, clerk, people


def convene_and_open(clerk_api, chair_api, sitting_id, people) -> None:
    ok(clerk_api.post(f"/api/sittings/{sitting_id}/convocation/", {}, format="json"), 201)
    for member in people[:5]:
        ok(
            chair_api.post(
                f"/api/sittings/{sitting_id}/attendance/",
                {"member": member.id, "kind": "arrival"},
                format="json",
            ),
            201,
        )
    named = ok(
        chair_api.post(
            f"/api/sittings/{sitting_id}/secretary/", {"member": people[1].id}, format="json"
        )
    )
    assert named == {"secretary": people[1].id, "name": people[1].full_name}
    quorum = ok(chair_api.get(f"/api/sittings/{sitting_id}/quorum/"))
    assert quorum["reached"] is True
    opened = chair_api.post(
        f"/api/sittings/{sitting_id}/transitions/",
        {"action": "open", "open_anyway": True, "reason": "séance avancée"},
        format="json",
    )
    assert ok(opened)["state"] == "open"


def electronic_vote(chair_api, seats, sitting_id, item_id, choices) -> dict:
    ok(
        chair_api.post(
            f"/api/sittings/{sitting_id}/current-item/", {"item": item_id}, format="json"
        )
    )
    vote = ok(
        chair_api.post(f"/api/sittings/{sitting_id}/votes/", {"kind": "electronic"}, format="json"),
        201,
    )
    for index, choice in choices.items():
        ok(
            seats[index].post(
                f"/api/votes/{vote['id']}/ballots/",
                {"choice": choice, "client_id": f"seat-{vote['id']}-{index}"},
                format="json",
            ),
            201,
        )
    return ok(chair_api.post(f"/api/votes/{vote['id']}/close/", {"confirm": True}, format="json"))


def test_a_whole_sitting_over_rest_from_convocation_to_published_minutes(council):
    a, clerk_user, people = council
    clerk = api_for(clerk_user)
    chair = api_for(people[0].user)
    secretary = api_for(people[1].user)
    seats = [chair, secretary, *(api_for(p.user) for p in people[2:5])]

    # The clerk prepares: the sitting, then corrects it while it is a draft.
    created = ok(
        clerk.post(
            "/api/sittings/",
            {"assembly": a.id, "title": "Conseil", "starts_at": f.in_days(14).isoformat()},
            format="json",
        ),
        201,
    )
    sid = created["id"]
    edited = ok(
        clerk.patch(
            f"/api/sittings/{sid}/",
            {"title": "Conseil municipal de printemps", "starts_at": f.in_days(12).isoformat()},
            format="json",
        )
    )
    assert edited["title"] == "Conseil municipal de printemps" and edited["state"] == "draft"
    budget = ok(
        clerk.post(
            f"/api/sittings/{sid}/items/",
            {"title": "Budget de la piscine", "matter": "7.1"},
            format="json",
        ),
        201,
    )
    fares = ok(
        clerk.post(
            f"/api/sittings/{sid}/items/",
            {"title": "Tarifs de la cantine", "matter": "7.10"},
            format="json",
        ),
        201,
    )
    note = ok(
        clerk.post(
            f"/api/sittings/{sid}/items/{budget['id']}/documents/",
            {"kind": "synthesis", "title": "Note de synthèse", "file": f.pdf_upload()},
            format="multipart",
        ),
        201,
    )
    assert note["kind"] == "synthesis" and len(note["sha256"]) == 64

    # Convened, the roll, the secretary, the quorum, opened.
    convene_and_open(clerk, chair, sid, people)

    # The first item: an electronic vote from the seats.
    result = electronic_vote(
        chair, seats, sid, budget["id"], {0: "for", 1: "for", 2: "for", 3: "against", 4: "abstain"}
    )
    assert result["adopted"] is True and result["for"] == 3

    # The council goes into closed session by its own vote (R25), then sits in public again.
    asked = ok(
        chair.post(
            f"/api/sittings/{sid}/closed-session/",
            {"requested_by": [people[0].id], "kind": "hands"},
            format="json",
        ),
        201,
    )
    on_it = ok(chair.get(f"/api/sittings/{sid}/"))["vote"]  # a vote of no item (schema)
    assert (on_it["item"], on_it["purpose"]) == (None, "closed_session")
    ok(
        chair.post(
            f"/api/votes/{asked['vote']}/close/",
            {"counts": {"for": 4, "against": 1, "abstain": 0}, "confirm": True},
            format="json",
        )
    )
    assert ok(chair.get(f"/api/sittings/{sid}/"))["sitting"]["in_closed_session"] is True
    left = ok(chair.delete(f"/api/sittings/{sid}/closed-session/", format="json"))
    assert left["in_closed_session"] is False

    # The second item, on a show of hands, rejected; the sitting is closed.
    ok(chair.post(f"/api/sittings/{sid}/current-item/", {"item": fares["id"]}, format="json"))
    hands = ok(chair.post(f"/api/sittings/{sid}/votes/", {"kind": "hands"}, format="json"), 201)
    rejected = ok(
        chair.post(
            f"/api/votes/{hands['id']}/close/",
            {"counts": {"for": 1, "against": 3, "abstain": 1}, "confirm": True},
            format="json",
        )
    )
    assert rejected["adopted"] is False
    closed = chair.post(f"/api/sittings/{sid}/transitions/", {"action": "close"}, format="json")
    assert ok(closed)["state"] == "closed"

    # The clerk publishes the list of deliberations and each deliberation (R30-R31).
    listing = ok(clerk.post(f"/api/sittings/{sid}/deliberations/", {}, format="json"), 201)
    assert listing["listing"]["kind"] == "list" and len(listing["deliberations"]) == 2
    again = clerk.post(f"/api/sittings/{sid}/deliberations/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_published"

    # The secretary drafts the minutes: refused while a debate is missing, then finalised.
    draft = ok(secretary.get(f"/api/sittings/{sid}/minutes/"))
    assert draft["state"] == "draft" and draft["missing"]
    refused = secretary.post(f"/api/sittings/{sid}/minutes/finalise/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "minutes_incomplete"
    for item in (budget, fares):
        ok(
            secretary.post(
                f"/api/sittings/{sid}/minutes/debates/",
                {"item": item["id"], "text": f"Débat sur « {item['title']} »."},
                format="json",
            )
        )
    assert (
        ok(secretary.post(f"/api/sittings/{sid}/minutes/finalise/", {}, format="json"))["state"]
        == "final"
    )
    assert (
        ok(secretary.post(f"/api/sittings/{sid}/minutes/reopen/", {}, format="json"))["state"]
        == "draft"
    )
    final = ok(secretary.post(f"/api/sittings/{sid}/minutes/finalise/", {}, format="json"))
    assert final["state"] == "final" and final["missing"] == []

    # R29: first on the agenda of the next sitting, adopted there by the council's vote.
    nxt = ok(
        clerk.post(
            "/api/sittings/",
            {"assembly": a.id, "title": "Conseil d'été", "starts_at": f.in_days(20).isoformat()},
            format="json",
        ),
        201,
    )["id"]
    adoption = ok(
        clerk.post(f"/api/sittings/{sid}/minutes/agenda/", {"sitting": nxt}, format="json"), 201
    )
    assert adoption["position"] == 1 and adoption["kind"] == "minutes"
    convene_and_open(clerk, chair, nxt, people)
    adopted = electronic_vote(
        chair, seats, nxt, adoption["id"], {0: "for", 1: "for", 2: "for", 3: "for"}
    )
    assert adopted["adopted"] is True
    assert ok(clerk.get(f"/api/sittings/{sid}/minutes/"))["state"] == "adopted"

    # Signed by the chair and the secretary of the sitting, then published by the clerk.
    stranger = clerk.post(f"/api/sittings/{sid}/minutes/sign/", {}, format="json")
    assert stranger.status_code == 403
    assert (
        ok(chair.post(f"/api/sittings/{sid}/minutes/sign/", {}, format="json"))["chair_signed"]
        is True
    )
    signed = ok(secretary.post(f"/api/sittings/{sid}/minutes/sign/", {}, format="json"))
    assert signed["state"] == "signed"
    published = ok(clerk.post(f"/api/sittings/{sid}/minutes/publish/", {}, format="json"), 201)
    assert published["kind"] == "minutes"
    assert (
        ok(clerk.get(f"/api/sittings/{sid}/minutes/"))["publication"]["sha256"]
        == published["sha256"]
    )

    # The public archive shows the acts; the PDFs are those published, byte for byte.
    public = Client()
    page = public.get(f"/archive/sittings/{sid}/")
    assert page.status_code == 200
    text = page.content.decode()
    acts = Publication.objects.filter(sitting_id=sid)
    assert {p.kind for p in acts} == {"list", "deliberation", "minutes"}
    for act in acts:  # each act downloadable from the sitting's archive page
        assert f'href="/archive/publications/{act.id}.pdf"' in text
    assert published["sha256"] in text
    pdf = public.get(published["url"].removeprefix("http://testserver"))
    assert pdf.status_code == 200
    assert (
        hashlib.sha256(
            b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])
        ).hexdigest()
        == published["sha256"]
    )
    opendata = ok(public.get(f"/api/assemblies/{a.slug}/deliberations/"))
    assert opendata["count"] == 2


# --- The new endpoints: who may call them, and what they refuse ------------------------------


def endpoints(s, item_id, target_id, member_id):
    """Each new endpoint with a valid body: (method, path, body, format)."""
    base = f"/api/sittings/{s}"
    return [
        ("patch", f"{base}/", {"title": "Autre titre"}, "json"),
        (
            "post",
            f"{base}/items/{item_id}/documents/",
            {"kind": "annex", "file": None},
            "multipart",
        ),
        ("post", f"{base}/convocation/", {}, "json"),
        ("post", f"{base}/secretary/", {"member": member_id}, "json"),
        ("post", f"{base}/closed-session/", {"requested_by": [member_id]}, "json"),
        ("delete", f"{base}/closed-session/", {}, "json"),
        ("post", f"{base}/adjournment/", {"starts_at": f.in_days(30).isoformat()}, "json"),
        ("post", f"{base}/minutes/debates/", {"item": item_id, "text": "x"}, "json"),
        ("post", f"{base}/minutes/finalise/", {}, "json"),
        ("post", f"{base}/minutes/reopen/", {}, "json"),
        ("post", f"{base}/minutes/agenda/", {"sitting": target_id}, "json"),
        ("post", f"{base}/minutes/sign/", {}, "json"),
        ("post", f"{base}/minutes/publish/", {}, "json"),
        ("post", f"{base}/deliberations/", {}, "json"),
    ]


def call(client, method, path, body, fmt):
    if fmt == "multipart":
        body = {**body, "file": f.pdf_upload()}
    return getattr(client, method)(path, body, format=fmt)


def test_councillors_other_clerks_and_anonymous_callers_are_refused(council):
    a, clerk_user, people = council
    s = f.sitting(a, clerk=clerk_user, notes=False)
    target = f.sitting(a, clerk=clerk_user, notes=False, days=40)
    other = f.assembly(members=3, population=1_000)
    callers = {
        "councillor": (api_for(people[5].user), 403),
        "clerk of another assembly": (api_for(f.staff(other)), 403),
        "no token": (APIClient(), 401),
    }
    before = Sitting.objects.get(pk=s.pk)
    for name, (client, status) in callers.items():
        for method, path, body, fmt in endpoints(s.id, s.items.first().id, target.id, people[1].id):
            answer = call(client, method, path, body, fmt)
            assert answer.status_code == status, (name, method, path, answer.content)
            assert answer.json()["code"] in ("forbidden", "not_authenticated"), answer.json()
            assert answer.json()["message"]
    after = Sitting.objects.get(pk=s.pk)
    assert (after.title, after.state, after.secretary_id) == (before.title, "draft", None)
    assert not s.items.first().documents.exists()
    # The minutes of the sitting's own assembly: a councillor reads nothing either.
    assert api_for(people[5].user).get(f"/api/sittings/{s.id}/minutes/").status_code == 403


def test_a_field_the_api_does_not_know_is_refused_and_named(council):
    a, clerk_user, people = council
    s = f.in_session(a, present=5, clerk=clerk_user)
    draft = f.sitting(a, clerk=clerk_user, notes=False, days=40)
    clerk = api_for(clerk_user)
    calls = endpoints(s.id, s.items.first().id, draft.id, people[1].id)
    calls[0] = ("patch", f"/api/sittings/{draft.id}/", {"title": "Autre titre"}, "json")
    calls[1] = (
        "post",
        f"/api/sittings/{draft.id}/items/{draft.items.first().id}/documents/",
        {"kind": "annex"},
        "multipart",
    )
    calls += [
        (
            "post",
            "/api/sittings/",
            {"assembly": a.id, "title": "x", "starts_at": f.in_days(9).isoformat()},
            "json",
        ),
        (
            "post",
            f"/api/sittings/{s.id}/attendance/",
            {"member": people[6].id, "kind": "arrival"},
            "json",
        ),
    ]
    for method, path, body, fmt in calls:
        answer = call(clerk, method, path, {**body, "presidnet": 1}, fmt)
        assert answer.status_code == 400, (method, path, answer.content)
        assert answer.json()["code"] == "invalid_input"
        assert "presidnet" in answer.json()["errors"] and "presidnet" in answer.json()["message"]
    councillor = api_for(people[3].user)
    for fmt in ("json", "multipart"):
        body = {"holder": people[2].id, "illnes": True}
        answer = councillor.post(f"/api/sittings/{s.id}/proxies/", body, format=fmt)
        assert answer.status_code == 400 and "illnes" in answer.json()["errors"]
    assert not people[3].proxies_given.exists()
    draft.refresh_from_db()
    assert draft.title != "Autre titre" and not draft.items.first().documents.exists()
    assert AttendanceEvent.objects.filter(sitting=s, member=people[6]).count() == 0


def test_editing_a_sitting_once_convened_is_refused(council):
    a, clerk_user, people = council
    s = f.convened(a, clerk=clerk_user, notes=False)
    clerk = api_for(clerk_user)
    refused = clerk.patch(f"/api/sittings/{s.id}/", {"title": "Trop tard"}, format="json")
    assert refused.status_code == 409
    assert Sitting.objects.get(pk=s.pk).title == s.title
    elsewhere = f.assembly(members=3, population=1_000).rooms.first()
    draft = f.sitting(a, clerk=clerk_user, notes=False)
    wrong = clerk.patch(f"/api/sittings/{draft.id}/", {"place": elsewhere.id}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "unknown_room"


def test_documents_are_checked_as_on_the_page(council, settings):
    a, clerk_user, people = council
    s = f.sitting(a, clerk=clerk_user, items=1, notes=False)
    clerk = api_for(clerk_user)
    path = f"/api/sittings/{s.id}/items/{s.items.first().id}/documents/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = SimpleUploadedFile("note.pdf", b"not a pdf at all", content_type="application/pdf")
    answer = clerk.post(path, {"kind": "synthesis", "file": text}, format="multipart")
    assert answer.status_code == 400 and answer.json()["code"] == "upload_refused"
    settings.SEANCE_MAX_UPLOAD_BYTES = 100
    big = clerk.post(path, {"kind": "synthesis", "file": f.pdf_upload()}, format="multipart")
    assert big.status_code == 400 and "trop" in big.json()["message"].lower()
    as_json = clerk.post(path, {"kind": "synthesis"}, format="json")
    assert as_json.status_code == 415
    assert not s.items.first().documents.exists()


def test_adjourned_for_lack_of_quorum_over_rest(council):
    a, clerk_user, people = council
    s = f.convened(a, clerk=clerk_user, notes=False)
    chair = api_for(people[0].user)
    f.arrive(s, people[:4])
    reached = chair.post(
        f"/api/sittings/{s.id}/adjournment/",
        {"starts_at": f.in_days(20).isoformat()},
        format="json",
    )
    assert reached.status_code == 409 and reached.json()["code"] == "quorum_reached"
    for member in people[1:4]:
        ok(
            chair.post(
                f"/api/sittings/{s.id}/attendance/",
                {"member": member.id, "kind": "departure"},
                format="json",
            ),
            201,
        )
    early = chair.post(
        f"/api/sittings/{s.id}/adjournment/", {"starts_at": f.in_days(1).isoformat()}, format="json"
    )
    assert early.status_code == 400 and early.json()["code"] == "invalid_date"
    second = ok(
        chair.post(
            f"/api/sittings/{s.id}/adjournment/",
            {"starts_at": f.in_days(20).isoformat()},
            format="json",
        ),
        201,
    )
    assert second["state"] == "draft" and second["id"] != s.id
    s.refresh_from_db()
    assert (s.state, s.outcome) == ("closed", "no_quorum")
    assert Sitting.objects.get(pk=second["id"]).items.count() == s.items.count()


def test_a_proxy_for_illness_covers_more_than_three_sittings(council):
    a, clerk_user, people = council
    run = [f.sitting(a, clerk=clerk_user, notes=False, days=10 + 7 * i) for i in range(4)]
    member = api_for(people[3].user)
    body = {"holder": people[4].id, "sittings": [s.id for s in run]}
    refused = member.post(f"/api/sittings/{run[0].id}/proxies/", body, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "too_many_sittings"
    granted = ok(
        member.post(
            f"/api/sittings/{run[0].id}/proxies/", {**body, "illness": True}, format="json"
        ),
        201,
    )
    assert granted["illness"] is True and sorted(granted["sittings"]) == [s.id for s in run]
    # As a multipart form, with the signed proxy as a PDF.
    signed = member.post(
        f"/api/sittings/{run[0].id}/proxies/",
        {"holder": people[5].id, "document": f.pdf_upload("pouvoir.pdf")},
        format="multipart",
    )
    assert signed.status_code == 409 and signed.json()["code"] == "grantor_has_proxy"
    other = api_for(people[2].user)
    signed = ok(
        other.post(
            f"/api/sittings/{run[0].id}/proxies/",
            {"holder": people[5].id, "document": f.pdf_upload("pouvoir.pdf")},
            format="multipart",
        ),
        201,
    )
    assert signed["illness"] is False
    bad = other.post(f"/api/sittings/{run[1].id}/proxies/", {"holder": "cinq"}, format="multipart")
    assert bad.status_code == 400 and "holder" in bad.json()["errors"]


def test_the_token_endpoint_refuses_an_unknown_field(council):
    a, clerk_user, people = council
    body = {"username": clerk_user.username, "password": f.PASSWORD}
    wrong = APIClient().post("/api/token/", {**body, "remember": True}, format="json")
    assert wrong.status_code == 400 and "remember" in wrong.json()["errors"]
    assert not Token.objects.filter(user=clerk_user).exists()
    assert ok(APIClient().post("/api/token/", body, format="json"))["token"]
