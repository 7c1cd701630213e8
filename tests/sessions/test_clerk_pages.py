"""The clerk's pages: preparing a sitting, its agenda and papers, sending the convocation."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from council.models import Assembly, Room
from council.regime import PARIS
from sessions.models import AgendaItem, Convocation, Document, Sitting
from tests import factories as f

pytestmark = pytest.mark.django_db


def local(dt: datetime.datetime) -> str:
    """The value a datetime-local input sends: a wall-clock time in Paris."""
    return dt.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def town():
    a = f.assembly(members=5, population=110_000)
    return a, f.staff(a)


@pytest.fixture
def logged_clerk(client, town):
    a, clerk = town
    client.force_login(clerk)
    return a, clerk


def create_sitting(client, a, days=10, **extra):
    data = {
        "title": "Conseil municipal de mars",
        "starts_at": local(f.in_days(days)),
        "place": a.rooms.get(kind=Room.Kind.CHAMBER).pk,
        **extra,
    }
    return client.post(f"/clerk/assemblies/{a.id}/sittings/new/", data)


def test_clerk_prepares_and_sends_a_sitting(
    client, logged_clerk, django_capture_on_commit_callbacks
):
    a, clerk = logged_clerk
    listing = client.get("/clerk/")
    assert listing.status_code == 200
    assert f"/clerk/assemblies/{a.id}/sittings/new/" in listing.content.decode()
    assert client.get(f"/clerk/assemblies/{a.id}/sittings/new/").status_code == 200

    response = create_sitting(client, a)
    s = Sitting.objects.get(assembly=a)
    assert response.status_code == 302 and response["Location"] == f"/clerk/sittings/{s.id}/"
    assert s.state == "draft" and s.starts_at == f.in_days(10)  # 18:00 in Paris

    rapporteur = f.councillors(a)[0]
    for n in range(3):
        response = client.post(
            f"/clerk/sittings/{s.id}/items/",
            {
                "title": f"Point {n + 1}",
                "kind": "deliberation",
                "summary": "Exposé",
                "rapporteur": rapporteur.id if n == 0 else "",
            },
        )
        assert response.status_code == 302
    items = list(s.items.order_by("position"))
    assert [i.position for i in items] == [1, 2, 3] and items[0].rapporteur == rapporteur
    for item in items:
        response = client.post(
            f"/clerk/sittings/{s.id}/items/{item.id}/documents/",
            {"kind": "synthesis", "title": "Note", "file": f.pdf_upload()},
        )
        assert response.status_code == 302
    assert Document.objects.filter(item__sitting=s, kind="synthesis").count() == 3

    page = client.get(f"/clerk/sittings/{s.id}/convocation/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-clear-days="9"' in html and 'data-required="5"' in html
    assert 'data-code="ready"' in html and "Point 2" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/clerk/sittings/{s.id}/convocation/", {})
    assert response.status_code == 302
    assert response["Location"] == f"/clerk/sittings/{s.id}/deliveries/"
    s.refresh_from_db()
    convocation = Convocation.objects.get(sitting=s)
    assert s.state == "convened" and convocation.recipients.count() == 5
    assert len(mail.outbox) == 5
    assert convocation.recipients.filter(sent_at__isnull=False).count() == 5

    board = client.get(f"/clerk/sittings/{s.id}/deliveries/")
    html = board.content.decode()
    assert board.status_code == 200
    assert convocation.register_number in html and f"/sittings/{s.id}/convocation.pdf" in html
    assert 'data-total="sent">5<' in html and 'data-total="opened">0<' in html
    assert rapporteur.full_name in html and rapporteur.email in html


def test_datetime_local_is_read_in_paris_and_urgency_needs_a_reason(client, logged_clerk):
    a, clerk = logged_clerk
    response = create_sitting(client, a, starts_at="2026-07-14T09:30")
    s = Sitting.objects.get(assembly=a)
    assert response.status_code == 302
    assert s.starts_at == datetime.datetime(2026, 7, 14, 9, 30, tzinfo=PARIS)
    assert 'value="2026-07-14T09:30"' in client.get(f"/clerk/sittings/{s.id}/").content.decode()

    response = create_sitting(client, a, title="Urgent", urgency="on", urgency_reason=" ")
    assert response.status_code == 400
    assert 'data-code="urgency_reason_missing"' in response.content.decode()
    assert Sitting.objects.filter(assembly=a).count() == 1


def test_remote_rooms_are_offered_only_to_an_epci(client):
    epci = f.assembly(kind=Assembly.Kind.EPCI, members=4, remote_rooms=2)
    clerk = f.staff(epci)
    client.force_login(clerk)
    page = client.get(f"/clerk/assemblies/{epci.id}/sittings/new/").content.decode()
    assert 'name="remote_rooms"' in page and 'type="datetime-local"' in page
    rooms = list(epci.rooms.filter(kind=Room.Kind.REMOTE).values_list("pk", flat=True))
    assert create_sitting(client, epci, remote_rooms=rooms).status_code == 302
    s = Sitting.objects.get(assembly=epci)
    assert s.is_teleconference and s.remote_rooms.count() == 2
    preview = client.get(f"/clerk/sittings/{s.id}/convocation/").content.decode()
    assert "Salle distante 1" in preview

    commune = f.assembly(members=2, population=1_000)
    client.force_login(f.staff(commune))
    page = client.get(f"/clerk/assemblies/{commune.id}/sittings/new/").content.decode()
    assert 'name="remote_rooms"' not in page


def test_draft_is_edited_and_items_removed(client, logged_clerk):
    a, clerk = logged_clerk
    s = f.sitting(a, clerk=clerk, items=3, notes=False)
    first = s.items.get(position=1)
    response = client.post(f"/clerk/sittings/{s.id}/items/{first.id}/remove/")
    assert response.status_code == 302
    assert list(s.items.values_list("position", "title")) == [
        (1, "Délibération 2"),
        (2, "Délibération 3"),
    ]
    response = client.post(
        f"/clerk/sittings/{s.id}/",
        {
            "title": "Nouveau titre",
            "starts_at": local(f.in_days(12)),
            "place": s.place_id,
            "first_after_renewal": "on",
        },
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.title == "Nouveau titre" and s.first_after_renewal and s.starts_at == f.in_days(12)
    # An unknown kind is a form error, and nothing is added.
    response = client.post(f"/clerk/sittings/{s.id}/items/", {"title": "X", "kind": "party"})
    assert response.status_code == 400 and s.items.count() == 2


def test_four_clear_days_refused_for_a_large_commune(client, logged_clerk):
    a, clerk = logged_clerk
    s = f.sitting(a, clerk=clerk, days=5)  # today + 5 days = 4 clear days
    preview = client.get(f"/clerk/sittings/{s.id}/convocation/")
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-clear-days="4"' in html and 'data-code="notice_too_short"' in html

    response = client.post(f"/clerk/sittings/{s.id}/convocation/", {})
    html = response.content.decode()
    assert response.status_code == 409
    assert 'role="alert" data-code="notice_too_short"' in html
    assert "4 clear days" in html or "4 jours francs" in html
    s.refresh_from_db()
    assert s.state == "draft" and not Convocation.objects.filter(sitting=s).exists()
    assert mail.outbox == []


def test_missing_synthesis_note_is_listed_and_refused(client, logged_clerk):
    a, clerk = logged_clerk
    s = f.sitting(a, clerk=clerk, items=2, notes=False)
    html = client.get(f"/clerk/sittings/{s.id}/convocation/").content.decode()
    assert html.count('data-code="synthesis_note_missing"') == 2
    response = client.post(f"/clerk/sittings/{s.id}/convocation/", {})
    assert response.status_code == 409
    assert 'data-code="synthesis_note_missing"' in response.content.decode()
    s.refresh_from_db()
    assert s.state == "draft"


def test_a_replacement_convening_must_give_a_reason(client, logged_clerk):
    a, clerk = logged_clerk
    s = f.sitting(a, clerk=clerk)
    deputy = f.councillors(a)[1]
    url = f"/clerk/sittings/{s.id}/convocation/"
    response = client.post(url, {"convened_by": deputy.id})
    assert response.status_code == 400
    assert 'data-code="replacement_reason_missing"' in response.content.decode()
    s.refresh_from_db()
    assert s.state == "draft"
    outsider = f.member(f.assembly(members=1, population=1_000))
    assert (
        client.post(url, {"convened_by": outsider.id, "replacement_reason": "x"}).status_code == 400
    )
    response = client.post(url, {"convened_by": deputy.id, "replacement_reason": "Maire empêché"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.convened_by == deputy and s.convened_by_reason == "Maire empêché"


@pytest.fixture
def one_item(town):
    a, clerk = town
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    return s, s.items.get()


def test_non_pdf_upload_is_refused(client, logged_clerk, one_item):
    s, item = one_item
    fake = SimpleUploadedFile("rapport.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = client.post(
        f"/clerk/sittings/{s.id}/items/{item.id}/documents/",
        {"kind": "report", "title": "Rapport", "file": fake},
    )
    assert response.status_code == 400
    assert 'data-code="upload_refused"' in response.content.decode()
    assert Document.objects.count() == 0


def test_oversized_upload_is_refused(client, logged_clerk, one_item, settings):
    s, item = one_item
    settings.SEANCE_MAX_UPLOAD_BYTES = 500
    upload = f.pdf_upload()
    assert upload.size > 500
    response = client.post(
        f"/clerk/sittings/{s.id}/items/{item.id}/documents/",
        {"kind": "annex", "title": "Annexe", "file": upload},
    )
    assert response.status_code == 400
    assert 'data-code="upload_refused"' in response.content.decode()
    assert Document.objects.count() == 0


def test_empty_upload_is_refused(client, logged_clerk, one_item):
    s, item = one_item
    empty = SimpleUploadedFile("vide.pdf", b"", content_type="application/pdf")
    response = client.post(
        f"/clerk/sittings/{s.id}/items/{item.id}/documents/", {"kind": "annex", "file": empty}
    )
    assert response.status_code == 400 and Document.objects.count() == 0


def test_nothing_changes_after_convocation(client, logged_clerk):
    a, clerk = logged_clerk
    s = f.convened(a, clerk=clerk)
    item = s.items.first()
    page = client.get(f"/clerk/sittings/{s.id}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-code="agenda_locked"' in html
    # Nothing of the agenda may be edited; only an item's ACTES matter code may still be
    # set until its vote (for the prefecture).
    assert not re.search(rf"/clerk/sittings/{s.id}/items/(?!\d+/matter/)", html)

    response = client.post(
        f"/clerk/sittings/{s.id}/",
        {"title": "Changé", "starts_at": local(f.in_days(20)), "place": s.place_id},
    )
    assert response.status_code == 409
    assert 'data-code="transition_refused"' in response.content.decode()
    response = client.post(
        f"/clerk/sittings/{s.id}/items/", {"title": "Ajout", "kind": "information"}
    )
    assert response.status_code == 409
    assert client.post(f"/clerk/sittings/{s.id}/items/{item.id}/remove/").status_code == 409
    response = client.post(
        f"/clerk/sittings/{s.id}/items/{item.id}/documents/",
        {"kind": "annex", "title": "Annexe", "file": f.pdf_upload()},
    )
    assert response.status_code == 409
    assert client.post(f"/clerk/sittings/{s.id}/convocation/", {}).status_code == 409
    s.refresh_from_db()
    assert s.title != "Changé" and s.items.count() == 3
    assert Document.objects.filter(item__sitting=s).count() == 3
    assert AgendaItem.objects.filter(sitting=s, title="Ajout").count() == 0
    assert Convocation.objects.filter(sitting=s).count() == 1


def test_councillors_and_other_clerks_are_refused(client, town):
    a, clerk = town
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    councillor = f.councillors(a)[0].user
    other_clerk = f.staff(f.assembly(members=1, population=1_000))
    for user in (councillor, other_clerk):
        client.force_login(user)
        for url in (
            f"/clerk/sittings/{s.id}/",
            f"/clerk/sittings/{s.id}/convocation/",
            f"/clerk/sittings/{s.id}/deliveries/",
            f"/clerk/assemblies/{a.id}/sittings/new/",
        ):
            response = client.get(url)
            assert response.status_code == 403, url
            assert 'data-code="forbidden"' in response.content.decode()
        response = client.post(
            f"/clerk/sittings/{s.id}/items/", {"title": "X", "kind": "information"}
        )
        assert response.status_code == 403
        assert create_sitting(client, a).status_code == 403
    client.force_login(councillor)
    assert client.get("/clerk/").status_code == 403
    assert s.items.count() == 1 and Sitting.objects.filter(assembly=a).count() == 1
    client.logout()
    response = client.get(f"/clerk/sittings/{s.id}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
