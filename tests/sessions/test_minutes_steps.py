"""The minutes' workflow as each role sees it: the steps, who acts, and why a step cannot
be taken (R28-R31). The demo's `secretariat` is a secretary agent, not the sitting's
secretary: it drafts and finalises, never puts on an agenda (the clerk's act) nor signs."""

from __future__ import annotations

import html
import re

import pytest

from council.models import StaffRole
from sessions.minutes import services as minutes
from tests import factories as f
from tests.sessions.minutes_cases import held_sitting, vote_on, write_debates

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def held():
    s, people, clerk = held_sitting()
    agent = f.staff(s.assembly, StaffRole.Role.SECRETARY)
    return s, people, clerk, agent


def test_the_secretary_agent_is_told_to_finalise_a_draft(client, held):
    s, _people, _clerk, agent = held
    client.force_login(agent)
    page = _text(client.get(f"/clerk/sittings/{s.pk}/minutes/"))
    assert "Du brouillon à la publication" in page
    assert "Étape suivante, « Finalisé » : Le secrétaire de séance" in page
    assert "Pas encore possible. Il manque encore" in page


def test_with_only_a_convened_next_sitting_everyone_reads_why_it_cannot_go_on_its_agenda(
    client, held
):
    s, _people, clerk, agent = held
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    nxt = f.convened(s.assembly, clerk=clerk, items=1, notes=False)
    client.force_login(agent)
    page = _text(client.get(f"/clerk/sittings/{s.pk}/minutes/"))
    assert "« Inscrit à l’ordre du jour" not in page  # the label is the step's, below
    assert f"La prochaine séance ({nxt.title}," in page
    assert "est déjà convoquée et son ordre du jour arrêté" in page
    assert "Le greffe inscrit l’adoption" in page
    client.force_login(clerk)
    desk = client.get(f"/clerk/sittings/{s.pk}/minutes/")
    assert 'data-testid="no-target"' in desk.content.decode()
    assert "déjà convoquée : son ordre du jour est arrêté" in _text(desk)


def test_the_clerk_is_offered_the_sittings_in_preparation_and_told_why_not_the_others(client, held):
    s, _people, clerk, _agent = held
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    convened = f.convened(s.assembly, clerk=clerk, items=1, notes=False, days=5)
    draft = f.sitting(s.assembly, clerk=clerk, items=0, notes=False, days=40)
    client.force_login(clerk)
    page = client.get(f"/clerk/sittings/{s.pk}/minutes/").content.decode()
    assert re.search(rf'value="{convened.pk}" disabled', page)
    assert re.search(rf'value="{draft.pk}" checked', page)
    assert "À vous d’agir" in html.unescape(page)  # the clerk puts them on an agenda
    done = client.post(f"/clerk/sittings/{s.pk}/minutes/agenda/", {"target": draft.pk})
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.state == "on_agenda"


def test_on_the_agenda_the_agent_reads_that_the_council_adopts_them_and_where(client, held):
    s, people, clerk, agent = held
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    later = f.sitting(s.assembly, clerk=clerk, items=1, notes=False)
    minutes.minutes_put_on_agenda(minutes=record, sitting=later, user=clerk)
    client.force_login(agent)
    page = _text(client.get(f"/clerk/sittings/{s.pk}/minutes/"))
    assert "Étape suivante, « Adopté » : Le conseil l’adopte par un vote" in page
    assert f"Point 1 de « {later.title} »" in page
    assert "Cette séance n’est pas encore ouverte." in page


def test_adopted_minutes_say_who_signs_and_that_a_service_account_cannot(client, held):
    s, people, clerk, agent = held
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    later = f.sitting(s.assembly, clerk=clerk, items=0, notes=False, days=-1)
    item = minutes.minutes_put_on_agenda(minutes=record, sitting=later, user=clerk)
    later.state = "convened"
    later.save()
    f.arrive(later, people[:5])
    from sessions import services as sittings

    sittings.secretary_name(sitting=later, member=people[1], user=None)
    sittings.sitting_open(sitting=later, user=None, open_anyway=True, reason="essai")
    vote_on(later, item, {0: "for", 1: "for", 2: "for"}, people)
    record.refresh_from_db()
    assert record.state == "adopted"
    client.force_login(agent)
    page = _text(client.get(f"/clerk/sittings/{s.pk}/minutes/"))
    assert "un compte de service ne peut pas signer" in page
    assert people[0].full_name in page and people[1].full_name in page
    client.force_login(people[1].user)  # the sitting's secretary signs
    mine = _text(client.get(f"/clerk/sittings/{s.pk}/minutes/"))
    assert "À vous d’agir : « Signé »" in mine
