"""R28-R31: deliberations numbered at the close, the minutes drafted from the sitting's
records, their workflow to publication, and the published acts' hashes."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from pypdf import PdfReader

from council.regime import CGCT_2026
from sessions.errors import Conflict, Forbidden, InvalidInput, TransitionRefused
from sessions.minutes import services as minutes
from sessions.minutes.services import MinutesIncomplete
from sessions.models import AttendanceEvent, Minutes, Publication
from tests import factories as f
from tests.sessions.minutes_cases import (
    adopted_minutes,
    held_sitting,
    voted_at_next_sitting,
    write_debates,
)

pytestmark = pytest.mark.django_db


def test_deliberations_are_numbered_at_the_close_in_agenda_order():
    s, _people, _clerk = held_sitting()
    found = list(s.deliberations.order_by("number"))
    assert [(d.number, d.subject, d.adopted) for d in found] == [
        (1, "Budget de la piscine", True),
        (2, "Tarifs de la cantine", False),
    ]
    assert found[0].identifier.endswith("-01") and found[0].counts["for"] == 3
    assert found[0].matter_code == "7.1"


def test_the_draft_holds_what_r28_requires():
    s, people, clerk = held_sitting()
    record = minutes.minutes_start(sitting=s, user=clerk)
    from sessions.minutes.draft import minutes_draft

    content = minutes_draft(s, record)
    attendance = content["attendance"]
    names = [p["name"] for p in attendance["present"]]
    assert people[4].full_name in names
    latecomer = next(p for p in attendance["present"] if p["name"] == people[4].full_name)
    assert [m["kind"] for m in latecomer["movements"]] == ["arrival", "departure"]
    assert attendance["represented"] == [{"name": people[6].full_name, "by": people[2].full_name}]
    assert attendance["absent"] == [{"name": people[5].full_name}]
    assert content["secretary"] == people[1].full_name
    assert content["chair"]["name"] == people[0].full_name
    assert "présents" in content["quorum"] or "present" in content["quorum"]
    budget = content["items"][0]
    assert budget["deliberation"].endswith("-01")
    assert budget["votes"][0]["result"]["names"]["against"] == [people[3].full_name]


def test_the_minutes_cannot_be_finalised_with_a_field_missing():
    s, _people, clerk = held_sitting()
    record = minutes.minutes_start(sitting=s, user=clerk)
    first = s.items.get(position=1)
    minutes.debate_summary_save(minutes=record, item=first, text="Débat nourri.", user=clerk)
    with pytest.raises(MinutesIncomplete) as refused:
        minutes.minutes_finalise(minutes=record, user=clerk)
    assert any("Tarifs de la cantine" in m for m in refused.value.params["missing"])
    assert not any("Budget de la piscine" in m for m in refused.value.params["missing"])
    record.refresh_from_db()
    assert record.state == Minutes.State.DRAFT and record.content is None
    assert record.summaries.get().text == "Débat nourri."  # nothing stored is lost
    write_debates(record, s)
    assert minutes.minutes_finalise(minutes=record, user=clerk).state == Minutes.State.FINAL


def test_the_minutes_go_first_on_the_next_agenda_and_a_vote_adopts_them():
    s, _people, _clerk, record = adopted_minutes()
    assert record.state == Minutes.State.ADOPTED
    assert record.adoption_item.position == 1
    assert record.adoption_item.sitting.items.get(position=2).title == "Délibération 1"
    assert record.adopted_at is not None and record.adoption_vote.adopted


def test_a_rejected_adoption_sends_the_minutes_back_to_draft():
    _s, _people, _clerk, record = voted_at_next_sitting(
        {0: "against", 1: "against", 2: "for", 3: "against"}
    )
    assert record.state == Minutes.State.DRAFT and record.adoption_item is None


def test_the_minutes_go_only_on_a_later_sitting_still_in_preparation():
    s, _people, clerk = held_sitting()
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    earlier = f.sitting(s.assembly, clerk=clerk, items=0, notes=False, days=-20)
    with pytest.raises(InvalidInput):
        minutes.minutes_put_on_agenda(minutes=record, sitting=earlier, user=clerk)
    convened = f.convened(s.assembly, clerk=clerk, items=1, days=12)
    with pytest.raises(TransitionRefused):
        minutes.minutes_put_on_agenda(minutes=record, sitting=convened, user=clerk)
    assert convened.items.count() == 1


def test_only_the_chair_and_the_secretary_sign_then_the_clerk_publishes():
    s, people, clerk, record = adopted_minutes()
    with pytest.raises(Forbidden):
        minutes.minutes_sign(minutes=record, user=clerk)
    with pytest.raises(Forbidden):
        minutes.minutes_sign(minutes=record, user=people[3].user)
    with pytest.raises(TransitionRefused):
        minutes.minutes_publish(minutes=record, user=clerk)  # not signed yet
    minutes.minutes_sign(minutes=record, user=people[0].user)
    with pytest.raises(Conflict):
        minutes.minutes_sign(minutes=record, user=people[0].user)
    record = minutes.minutes_sign(minutes=record, user=people[1].user)
    assert record.state == Minutes.State.SIGNED
    assert record.secretary_signature["name"] == people[1].full_name
    publication = minutes.minutes_publish(minutes=record, user=clerk)
    data = publication.document.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == publication.sha256
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for expected in (
        people[1].full_name,  # secretary, and signer
        people[6].full_name,  # represented
        "Débat sur « Budget de la piscine ».",
        "Tarifs de la cantine",
    ):
        assert expected in text.replace("\n", " ")
    assert publication.author_name == people[0].full_name


def test_the_list_and_each_deliberation_are_published_with_their_hash():
    s, _people, clerk = held_sitting()
    listing = minutes.deliberations_publish(sitting=s, user=clerk)
    text = PdfReader(listing.document.open("rb")).pages[0].extract_text()
    assert "Budget de la piscine" in text and "Tarifs de la cantine" in text
    assert s.publications.filter(kind=Publication.Kind.DELIBERATION).count() == 2
    for d in s.deliberations.all():
        assert hashlib.sha256(d.publication.document.open("rb").read()).hexdigest() == (
            d.publication.sha256
        )
    with pytest.raises(Conflict):
        minutes.deliberations_publish(sitting=s, user=clerk)


def test_publication_deadlines_warn_before_they_pass():
    closed = datetime.datetime(2026, 3, 2, 21, 0, tzinfo=datetime.UTC)
    due = CGCT_2026.list_due(closed)
    assert due == closed + datetime.timedelta(days=7)
    assert CGCT_2026.deadline_status(due, closed + datetime.timedelta(days=4)) == "ok"
    assert CGCT_2026.deadline_status(due, closed + datetime.timedelta(days=5)) == "soon"
    assert CGCT_2026.deadline_status(due, due) == "soon"
    assert CGCT_2026.deadline_status(due, due + datetime.timedelta(seconds=1)) == "overdue"


def test_attendance_events_are_not_rewritten_by_the_minutes():
    s, _people, clerk = held_sitting()
    before = list(AttendanceEvent.objects.filter(sitting=s).values_list("id", "at"))
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    assert list(AttendanceEvent.objects.filter(sitting=s).values_list("id", "at")) == before
