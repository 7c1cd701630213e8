"""The minutes page, the clerk's deadlines, the public archive and the open data, as the
clerk, the secretary and a citizen see them."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io

import pytest
from django.utils import timezone

from council.regime import PARIS
from sessions.minutes import services as minutes
from sessions.minutes.selectors import SCDL_FIELDS
from sessions.models import Minutes, Sitting
from tests.sessions.minutes_cases import held_sitting

pytestmark = pytest.mark.django_db


def test_finalising_with_a_summary_missing_is_refused_in_french_and_keeps_the_others(client):
    s, people, _clerk = held_sitting()
    client.force_login(people[1].user)  # the secretary of the sitting
    page = client.get(f"/clerk/sittings/{s.id}/minutes/")
    assert page.status_code == 200
    assert "Encore manquant" in page.content.decode() or "manquant" in page.content.decode()
    first = s.items.get(position=1)
    response = client.post(
        f"/clerk/sittings/{s.id}/minutes/finalise/", {f"debate-{first.id}": "Débat vif."}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Tarifs de la cantine" in body and "ne peut pas être finalisé" in body
    record = Minutes.objects.get(sitting=s)
    assert record.state == "draft" and record.summaries.get(item=first).text == "Débat vif."


def test_an_item_of_another_sitting_is_refused(client):
    s, people, _clerk = held_sitting()
    client.force_login(people[1].user)
    response = client.post(f"/clerk/sittings/{s.id}/minutes/save/", {"debate-999999": "x"})
    assert response.status_code == 400


def test_a_councillor_who_is_not_secretary_cannot_open_the_minutes_page(client):
    s, people, _clerk = held_sitting()
    client.force_login(people[3].user)
    assert client.get(f"/clerk/sittings/{s.id}/minutes/").status_code == 403


def test_the_clerk_board_warns_of_the_list_deadline(client):
    s, _people, clerk = held_sitting()
    Sitting.objects.filter(pk=s.pk).update(closed_at=timezone.now() - datetime.timedelta(days=6))
    client.force_login(clerk)
    board = client.get("/clerk/").content.decode()
    assert 'data-status="soon"' in board and "Liste des délibérations" in board
    Sitting.objects.filter(pk=s.pk).update(closed_at=timezone.now() - datetime.timedelta(days=8))
    assert 'data-status="overdue"' in client.get("/clerk/").content.decode()
    client.post(f"/clerk/sittings/{s.id}/minutes/publish-list/")
    assert 'data-testid="deadlines"' not in client.get("/clerk/").content.decode()


def test_the_archive_shows_each_act_with_its_hash_and_serves_the_same_bytes(client):
    s, _people, clerk = held_sitting()
    minutes.deliberations_publish(sitting=s, user=clerk)
    years = client.get(f"/archive/{s.assembly.slug}/")
    assert years.status_code == 200 and s.title in years.content.decode()
    assert "set-cookie" not in {k.lower() for k in years.headers}
    page = client.get(f"/archive/sittings/{s.id}/").content.decode()
    listing = s.publications.get(kind="list")
    assert listing.sha256 in page
    pdf = client.get(f"/archive/publications/{listing.id}.pdf")
    data = b"".join(pdf.streaming_content)
    assert hashlib.sha256(data).hexdigest() == listing.sha256 == pdf["X-Content-SHA256"]


def test_the_deliberations_as_scdl_csv_and_json(client):
    s, _people, clerk = held_sitting()
    minutes.deliberations_publish(sitting=s, user=clerk)
    response = client.get(f"/archive/{s.assembly.slug}/deliberations.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0].keys()) == SCDL_FIELDS
    budget = rows[0]
    assert budget["COLL_SIRET"] == "21590350100017"
    assert (
        budget["DELIB_DATE"]
        == s.deliberations.get(number=1).decided_at.astimezone(PARIS).date().isoformat()
    )
    assert budget["DELIB_MATIERE_CODE"] == "7.1"
    assert budget["DELIB_MATIERE_NOM"] == "finances locales/décisions budgétaires"
    assert (budget["VOTE_POUR"], budget["VOTE_CONTRE"], budget["VOTE_ABSTENTION"]) == (
        "3",
        "1",
        "1",
    )
    assert budget["VOTE_EFFECTIF"] == "7" and budget["DELIB_URL"].startswith("http://")
    api = client.get(f"/api/assemblies/{s.assembly.slug}/deliberations/").json()
    assert api["count"] == 2 and api["results"][1]["DELIB_OBJET"] == "Tarifs de la cantine"
    assert client.get("/api/assemblies/nowhere/deliberations/").status_code == 404
