"""R1-R9: notice in clear days, urgency, synthesis notes, dispatch and proof of opening."""

import datetime
import io

import pytest
from django.core import mail
from icalendar import Calendar
from pypdf import PdfReader

from council.models import Assembly
from council.regime import DEFAULT_REGIME, PARIS
from sessions import services
from sessions.errors import ConvocationIncomplete, InvalidInput, NoticeTooShort
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_clear_days_count_neither_dispatch_nor_sitting_day():
    dispatch = datetime.datetime(2026, 11, 2, 23, 30, tzinfo=PARIS)
    sitting = datetime.datetime(2026, 11, 8, 9, 0, tzinfo=PARIS)
    assert DEFAULT_REGIME.clear_days(dispatch, sitting) == 5
    # Calendar dates are taken in Paris, not UTC: 23:30 UTC on the 2nd is the 3rd in Paris.
    utc_late = datetime.datetime(2026, 11, 2, 23, 30, tzinfo=datetime.UTC)
    assert DEFAULT_REGIME.clear_days(utc_late, sitting) == 4


def test_four_clear_days_refused_for_a_large_commune_unless_urgency():
    a = f.assembly(members=5, population=110_000)
    s = f.sitting(a, days=5)  # today + 5 days = 4 clear days
    with pytest.raises(NoticeTooShort) as err:
        services.convocation_send(sitting=s, user=f.staff(a))
    assert "4 jours francs" in err.value.message or "4 clear days" in err.value.message
    s.refresh_from_db()
    assert s.state == "draft"
    s6 = f.sitting(a, days=6)  # five clear days: allowed
    services.convocation_send(sitting=s6, user=f.staff(a))
    urgent = f.sitting(a, days=5, urgency=True, urgency_reason="Arrêté de péril")
    services.convocation_send(sitting=urgent, user=f.staff(a))
    urgent.refresh_from_db()
    assert urgent.state == "convened"


def test_three_clear_days_suffice_for_a_small_commune_and_first_sitting_after_renewal():
    small = f.assembly(members=5, population=1_200)
    services.convocation_send(sitting=f.sitting(small, days=4, notes=False), user=f.staff(small))
    large = f.assembly(members=5, population=110_000)
    first = f.sitting(large, days=4, first_after_renewal=True)
    services.convocation_send(sitting=first, user=f.staff(large))
    with pytest.raises(NoticeTooShort):
        services.convocation_send(
            sitting=f.sitting(small, days=3, notes=False), user=f.staff(small)
        )


def test_less_than_one_clear_day_is_always_refused():
    a = f.assembly(members=5, population=1_200)
    s = f.sitting(a, days=1, urgency=True, urgency_reason="Sinistre", notes=False)
    with pytest.raises(NoticeTooShort) as err:
        services.convocation_send(sitting=s, user=f.staff(a))
    assert err.value.code == "notice_too_short"
    s2 = f.sitting(a, days=2, urgency=True, urgency_reason="Sinistre", notes=False)
    services.convocation_send(sitting=s2, user=f.staff(a))


def test_epci_notice_follows_its_largest_commune():
    a = f.assembly(kind=Assembly.Kind.EPCI, members=5, population=270_000)
    with pytest.raises(NoticeTooShort):
        services.convocation_send(sitting=f.sitting(a, days=5), user=f.staff(a))


def test_synthesis_note_required_from_3500_inhabitants():
    a = f.assembly(members=5, population=3_500)
    s = f.sitting(a, days=10, notes=False)
    with pytest.raises(ConvocationIncomplete) as err:
        services.convocation_send(sitting=s, user=f.staff(a))
    assert err.value.code == "synthesis_note_missing"


def test_empty_agenda_refused():
    a = f.assembly(members=5, population=1_000)
    s = f.sitting(a, days=10, items=0)
    with pytest.raises(ConvocationIncomplete) as err:
        services.convocation_send(sitting=s, user=f.staff(a))
    assert err.value.code == "agenda_empty"


def test_replacement_must_give_a_reason():
    a = f.assembly(members=5, population=1_000)
    s = f.sitting(a, days=10, notes=False)
    deputy = f.councillors(a)[0]
    with pytest.raises(InvalidInput):
        services.convocation_send(sitting=s, user=f.staff(a), convened_by=deputy)
    services.convocation_send(
        sitting=s, user=f.staff(a), convened_by=deputy, replacement_reason="Empêchement du maire"
    )
    s.refresh_from_db()
    assert s.convened_by == deputy


@pytest.mark.django_db(transaction=True)
def test_dispatch_sends_pdf_and_calendar_and_records_opening(client):
    a = f.assembly(members=4, population=110_000, kind=Assembly.Kind.EPCI, remote_rooms=2)
    a.members.filter(pk=a.members.order_by("id")[3].pk).update(wants_paper=True)
    s = f.convened(a, remote_rooms=list(a.rooms.filter(kind="remote")))
    convocation = s.convocation
    recipients = list(convocation.recipients.order_by("member_id"))
    assert len(recipients) == 4 and all(r.sent_at for r in recipients)
    assert [r.paper_requested for r in recipients] == [False, False, False, True]
    assert len(mail.outbox) == 4
    message = mail.outbox[0]
    names = [att[0] for att in message.attachments]
    assert names == [f"convocation-{s.pk}.pdf", f"seance-{s.pk}.ics"]
    pdf_text = PdfReader(io.BytesIO(message.attachments[0][1])).pages[0].extract_text()
    assert "Délibération 1" in pdf_text and "L5211-11-1" in pdf_text  # teleconference mention
    event = Calendar.from_ical(message.attachments[1][1]).walk("VEVENT")[0]
    assert event["dtstart"].dt == s.starts_at
    token = recipients[0].token
    assert token in message.body and len(token) >= 40
    page = client.get(f"/convocations/ack/{token}/")
    assert page.status_code == 200
    recipients[0].refresh_from_db()
    assert recipients[0].opened_at is not None and recipients[0].open_count == 1
    assert client.get("/convocations/ack/forged-token/").status_code == 404
    # R9: entered in the register and published on the public page.
    public = client.get(f"/sittings/{s.pk}/")
    assert convocation.register_number in public.content.decode()
    assert "L5211-11-1" in public.content.decode()
