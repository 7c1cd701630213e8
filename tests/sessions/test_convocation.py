"""R1-R9: notice in clear days, urgency, synthesis notes, dispatch and proof of opening."""

import dataclasses
import datetime
import io
import time

import pytest
from django.core import mail
from django.db.utils import OperationalError
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from council.models import Assembly
from council.regime import DEFAULT_REGIME, PARIS
from sessions import services
from sessions.errors import ConvocationIncomplete, InvalidInput, NoticeTooShort
from sessions.models import ConvocationRecipient
from sessions.tasks import deliver_convocation
from tests import factories as f
from tests.smtp_simulator import SMTPSimulator

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


# --- delivery: one job per member, retried, re-sent; a failure loses nothing -------------


@pytest.fixture
def memory_broker():
    """A throw-away in-memory broker instead of the configured one (var/broker)."""
    from council.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = "memory://", {}
    app._pool = None  # connections are pooled per app: drop those of the configured broker
    app.amqp._producer_pool = None
    yield app
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def mail_worker(monkeypatch, memory_broker):
    """A real Celery worker (a thread of this process) on that broker, with a backoff of
    1 s, 2 s, 4 s... instead of 30 s, 60 s..."""
    from celery.contrib.testing.worker import start_worker

    monkeypatch.setattr(deliver_convocation, "retry_backoff", 1)
    with start_worker(memory_broker, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def wait_until(predicate, timeout: float = 60.0, what: str = "condition"):
    """Poll the database (another thread writes it) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except OperationalError:  # SQLite: a table the worker is writing is locked
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def recipient_of(sitting, member):
    return ConvocationRecipient.objects.get(convocation__sitting=sitting, member=member)


def send_by_the_page(client, sitting):
    client.force_login(f.staff(sitting.assembly))
    started = time.monotonic()
    response = client.post(f"/clerk/sittings/{sitting.id}/convocation/", {})
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_a_refused_first_recipient_does_not_stop_the_others(client, smtp):
    a = f.assembly(members=5, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    members = list(a.members.order_by("id"))
    first = members[0]
    smtp.refuse(first.email, f"550 5.1.1 <{first.email}>: Recipient address rejected")
    response, _elapsed = send_by_the_page(client, s)
    assert response.status_code == 302  # the convocation is committed, the page says so
    for m in members[1:]:
        [message] = smtp.wait_for(m.email)
        names = [p.get_filename() for p in message.walk() if p.get_filename()]
        assert names == [f"convocation-{s.pk}.pdf", f"seance-{s.pk}.ics"]
        assert recipient_of(s, m).status == "sent"
    refused = recipient_of(s, first)
    assert smtp.messages_to(first.email) == []
    assert (refused.status, refused.attempts, refused.sent_at) == ("failed", 1, None)
    assert "550" in refused.delivery_error and "refusé l'adresse" in refused.delivery_error
    assert refused.next_attempt_at is None  # a 5xx is final (RFC 5321): the clerk re-sends
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    row = board.split(f'data-recipient="{first.id}"')[1].split("</tr>")[0]
    assert 'data-status="failed"' in row and "En échec" in row and "550" in row
    assert f'data-resend="{first.id}"' in row
    assert 'data-total="sent">4<' in board and 'data-total="errors">1<' in board


@pytest.mark.django_db(transaction=True)
def test_a_temporary_refusal_is_retried_once_the_server_recovers(
    client, smtp, mail_worker, monkeypatch
):
    monkeypatch.setattr(deliver_convocation, "retry_backoff", 3)  # 3 s, then 6 s...
    a = f.assembly(members=4, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    members = list(a.members.order_by("id"))
    late = members[-1]  # its first try is the last one the request makes
    smtp.refuse(late.email, "451 4.3.0 Mailbox temporarily unavailable")
    response, elapsed = send_by_the_page(client, s)
    assert response.status_code == 302
    # Recorded and handed to the worker: the request did not wait for the retry.
    deferred = recipient_of(s, late)
    assert (deferred.status, deferred.attempts) == ("retrying", 1), elapsed
    assert "451" in deferred.delivery_error
    backoff = (deferred.next_attempt_at - deferred.last_attempt_at).total_seconds()
    # The first retry 3 s after the try failed (the try itself took a moment after its start).
    assert 2.9 < backoff < 3 + 2, backoff
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    row = board.split(f'data-recipient="{late.id}"')[1].split("</tr>")[0]
    assert 'data-status="retrying"' in row and "Nouvel essai prévu" in row
    assert "data-next-attempt" in row and "451" in row
    for m in members[:-1]:
        smtp.wait_for(m.email)
    # Until the server recovers, each retry fails again and waits twice as long.
    second = wait_until(
        lambda: (r := recipient_of(s, late)).attempts >= 2 and r.status == "retrying" and r,
        what="a second try",
    )
    backoff = (second.next_attempt_at - second.last_attempt_at).total_seconds()
    expected = 3 * 2 ** (second.attempts - 1)
    assert expected - 0.1 < backoff < expected + 2, (second.attempts, backoff)
    smtp.recover()
    [message] = smtp.wait_for(late.email)
    assert recipient_of(s, late).token in message.get_payload()[0].get_payload(decode=True).decode()
    sent = wait_until(
        lambda: (r := recipient_of(s, late)).status == "sent" and r, what="the retry recorded"
    )
    assert sent.sent_at is not None and sent.delivery_error == "" and sent.attempts >= 2
    assert elapsed < 10, elapsed
    # Idempotent: the same job run again (a redelivered message) sends nothing more.
    deliver_convocation.apply(args=[sent.pk, sent.dispatch])
    assert len(smtp.messages_to(late.email)) == 1
    assert ConvocationRecipient.objects.get(pk=sent.pk).attempts == sent.attempts


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_each_member_is_a_worker_job_and_a_dropped_connection_is_retried(
    smtp, mail_worker
):
    """As in production (Redis): the jobs go to the worker and retry there with Celery."""
    from council.celery import app

    a = f.assembly(members=3, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    members = list(a.members.order_by("id"))
    smtp.drop_at(members[0].email)
    app.conf.task_always_eager = False
    try:
        services.convocation_send(sitting=s, user=f.staff(a))
        for m in members[1:]:
            smtp.wait_for(m.email)
        dropped = wait_until(
            lambda: (r := recipient_of(s, members[0])).status == "retrying" and r,
            what="the dropped connection recorded",
        )
        assert "fermé la connexion" in dropped.delivery_error
        smtp.recover()
        smtp.wait_for(members[0].email)
        wait_until(lambda: recipient_of(s, members[0]).status == "sent", what="the retry")
    finally:
        app.conf.task_always_eager = True
    assert [len(smtp.messages_to(m.email)) for m in members] == [1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_a_server_that_cannot_be_reached_never_answers_500(client, settings):
    a = f.assembly(members=3, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = SMTPSimulator().port  # a free port: nobody listens there
    with override_max_retries(0):
        response, _elapsed = send_by_the_page(client, s)
    assert response.status_code == 302
    statuses = set(
        ConvocationRecipient.objects.filter(convocation__sitting=s).values_list(
            "status", "attempts"
        )
    )
    assert statuses == {("failed", 1)}
    error = ConvocationRecipient.objects.filter(convocation__sitting=s).first().delivery_error
    assert "n'a pas pu être joint" in error


class override_max_retries:  # noqa: N801
    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        self.saved = deliver_convocation.max_retries
        deliver_convocation.max_retries = self.n

    def __exit__(self, *exc: object) -> None:
        deliver_convocation.max_retries = self.saved


@pytest.mark.django_db(transaction=True)
def test_resend_to_one_member_counts_the_notice_from_it_and_a_late_one_stops_the_opening(
    client, smtp, monkeypatch
):
    a = f.assembly(members=5, population=110_000)  # five clear days required
    s = f.sitting(a, days=4)  # three clear days from today...
    members = list(a.members.order_by("id"))
    absent = members[0]
    smtp.refuse(absent.email, "550 5.1.1 No such user")
    real_now = timezone.now
    three_days_ago = real_now() - datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: three_days_ago)
    services.convocation_send(sitting=s, user=f.staff(a))  # ...six when it was sent
    monkeypatch.setattr(timezone, "now", real_now)
    for m in members[1:]:
        smtp.wait_for(m.email)
    clerk = f.staff(a)
    client.force_login(clerk)
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    assert 'data-notice data-clear-days="6" data-required="5"' in board
    assert 'data-code="notice_broken"' not in board
    assert 'data-code="resend_breaks_notice"' in board  # the button warns before the damage
    assert "ne laisserait que 3 jours francs" in board

    smtp.recover()
    absent.email = "nouvelle.adresse@example.fr"
    absent.save(update_fields=["email"])
    response = client.post(f"/clerk/sittings/{s.id}/deliveries/resend/", {"member": absent.id})
    assert response.status_code == 302
    smtp.wait_for("nouvelle.adresse@example.fr")
    resent = recipient_of(s, absent)
    assert (resent.status, resent.dispatch, resent.email) == (
        "sent",
        2,
        "nouvelle.adresse@example.fr",
    )
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    assert 'data-notice data-clear-days="3" data-required="5"' in board
    assert 'data-code="notice_broken"' in board and "a rompu le délai" in board
    assert "convocation_resent" in set(s.log.values_list("kind", flat=True))

    # The opening checks the notice again, from the latest dispatch (R5).
    f.arrive(s, members)
    services.secretary_name(sitting=s, member=members[1], user=None)
    with pytest.raises(NoticeTooShort) as err:
        services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    assert err.value.code == "notice_too_short" and err.value.params["clear_days"] == 3
    assert "3 jours francs" in err.value.message or "3 clear days" in err.value.message
    s.refresh_from_db()
    assert s.state == "convened"
    # A regime that lets such a sitting open enters the shortfall in its log.
    lenient = dataclasses.replace(DEFAULT_REGIME, short_notice_blocks_opening=False)
    monkeypatch.setattr("sessions.services.running.regime_for", lambda assembly: lenient)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    assert "opened_with_short_notice" in set(s.log.values_list("kind", flat=True))


@pytest.mark.django_db(transaction=True)
def test_resend_refuses_bad_input_and_other_assemblies_and_changes_nothing(client):
    a = f.assembly(members=3, population=1_200)
    s = f.convened(a, notes=False)
    other = f.assembly(members=2, population=1_200)
    stranger = other.members.first()
    member = a.members.order_by("id").first()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(f.staff(a))
    url = f"/clerk/sittings/{s.id}/deliveries/resend/"
    assert csrf_client.post(url, {"member": member.id}).status_code == 403  # no CSRF token
    client.force_login(f.staff(a))
    missing = client.post(url, {"member": "x"})
    assert missing.status_code == 400 and 'data-code="member_missing"' in missing.content.decode()
    foreign = client.post(url, {"member": stranger.id})
    assert foreign.status_code == 404
    assert "pas destinataire" in foreign.content.decode()
    assert client.get(url).status_code == 405
    other_sitting = f.convened(other, notes=False)
    elsewhere = client.post(
        f"/clerk/sittings/{other_sitting.id}/deliveries/resend/",
        {"member": stranger.id},
    )
    assert elsewhere.status_code in (403, 404)
    assert set(ConvocationRecipient.objects.values_list("dispatch", flat=True)) == {1}
    # Once the sitting is open, re-sending is refused with the state's message.
    f.arrive(s, list(a.members.all()))
    services.secretary_name(sitting=s, member=member, user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    late = client.post(url, {"member": member.id})
    assert late.status_code == 409
    assert recipient_of(s, member).dispatch == 1


def test_a_job_of_an_old_dispatch_or_a_sent_delivery_sends_nothing(
    django_capture_on_commit_callbacks,
):
    a = f.assembly(members=2, population=1_200)
    with django_capture_on_commit_callbacks(execute=True):
        s = f.convened(a, notes=False)
    recipient = s.convocation.recipients.first()
    assert recipient.status == "sent" and len(mail.outbox) == 2
    deliver_convocation.apply(args=[recipient.pk, recipient.dispatch])
    with django_capture_on_commit_callbacks(execute=True):
        services.convocation_resend(sitting=s, member_id=recipient.member_id, user=None)
    deliver_convocation.apply(args=[recipient.pk, 1])  # the first dispatch's job, again
    assert len(mail.outbox) == 3  # the re-send only
    recipient.refresh_from_db()
    assert (recipient.dispatch, recipient.status, recipient.attempts) == (2, "sent", 1)


@pytest.mark.django_db(transaction=True)
def test_the_api_send_answers_201_whatever_the_mail_server_says(smtp):
    from rest_framework.test import APIClient

    a = f.assembly(members=3, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    members = list(a.members.order_by("id"))
    smtp.refuse(members[0].email, "550 5.1.1 No such user")
    smtp.drop_at(members[1].email)
    api = APIClient()
    api.force_authenticate(f.staff(a))
    with override_max_retries(0):
        answer = api.post(f"/api/sittings/{s.id}/convocation/")
    assert answer.status_code == 201, answer.content
    smtp.wait_for(members[2].email)
    statuses = [recipient_of(s, m).status for m in members]
    assert statuses == ["failed", "failed", "sent"]
    assert "fermé la connexion" in recipient_of(s, members[1]).delivery_error


@pytest.mark.django_db(transaction=True)
def test_a_retry_lost_with_its_worker_is_shown_overdue(client, smtp, memory_broker):
    a = f.assembly(members=2, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    member = a.members.order_by("id").first()
    smtp.refuse(member.email, "451 4.3.0 Try again later")
    response, _elapsed = send_by_the_page(client, s)
    assert response.status_code == 302
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    assert "data-next-attempt" in board and "data-overdue" not in board
    ConvocationRecipient.objects.filter(member=member).update(
        next_attempt_at=timezone.now() - datetime.timedelta(hours=1)
    )
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    row = board.split(f'data-recipient="{member.id}"')[1].split("</tr>")[0]
    assert "data-overdue" in row and "renvoyez-la" in row and f'data-resend="{member.id}"' in row


@pytest.mark.django_db(transaction=True)
def test_a_server_that_does_not_answer_holds_the_page_no_longer_than_the_inline_budget(
    client, smtp, settings, mail_worker
):
    """Embedded: past SEANCE_MAIL_INLINE_SECONDS, the first tries go to the worker."""
    settings.EMAIL_TIMEOUT, settings.SEANCE_MAIL_INLINE_SECONDS = 1, 1.5
    a = f.assembly(members=6, population=1_200)
    s = f.sitting(a, days=10, notes=False)
    members = list(a.members.order_by("id"))
    smtp.stall(3)  # longer than the client's timeout
    response, elapsed = send_by_the_page(client, s)
    assert response.status_code == 302
    assert elapsed < 1.5 + 2 * 1 + 3, elapsed  # the budget and the try under way, not 6 × 1 s
    tried = ConvocationRecipient.objects.filter(convocation__sitting=s, attempts__gte=1)
    assert 1 <= tried.count() < len(members)
    assert "n'a pas répondu à temps" in tried.first().delivery_error
    smtp.recover()
    for m in members:
        smtp.wait_for(m.email)
    wait_until(lambda: all(recipient_of(s, m).status == "sent" for m in members), what="all sent")
    assert [len(smtp.messages_to(m.email)) for m in members] == [1] * len(members)
