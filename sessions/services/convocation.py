"""Convocation (R1-R9): checks, dispatch with PDF and iCalendar, register, proof of opening;
one delivery job per member, retried, re-sent on demand, and the notice from the latest."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from council.domain_events import SittingConvened, publish
from council.jobs import run_or_enqueue_on_commit
from council.models import Member
from council.regime import regime_for
from sessions.errors import SittingErrorCode

from ..acts import pdf_of
from ..documents import convocation_act
from ..errors import ConvocationIncomplete, InvalidInput, NotFound, NoticeTooShort
from ..mail import send_convocation_email
from ..models import AgendaItem, Convocation, ConvocationRecipient, Document, Sitting
from ..search.services import search_index_sitting
from ..selectors import members_in_office
from .common import User, actor, lock, log, require_in_office, require_state
from .councillor_copies import copies_send
from .delivery import claim, deliver, redispatch

# The job of one recipient's dispatch (sessions.tasks), started by name.
DELIVER_JOB = "sessions.tasks.deliver_convocation"


@dataclass
class ConvocationCheck:
    clear_days: int
    required: int
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def required_notice(sitting: Sitting) -> int:
    return regime_for(sitting.assembly).required_notice_days(
        sitting.assembly,
        first_after_renewal=sitting.first_after_renewal,
        urgency=sitting.urgency,
        second_convocation=sitting.second_convocation_of_id is not None,  # R12
    )


def convocation_check(sitting: Sitting, now: datetime.datetime | None = None) -> ConvocationCheck:
    """Everything the law asks before the convocation may leave, as (code, message) pairs."""
    now = now or timezone.now()
    regime = regime_for(sitting.assembly)
    check = ConvocationCheck(
        clear_days=regime.clear_days(now, sitting.starts_at), required=required_notice(sitting)
    )
    items = list(sitting.items.all())
    if not items:
        check.problems.append(("agenda_empty", _("The agenda has no item (R2).")))
    if sitting.chair is None and sitting.convened_by is None:
        check.problems.append(("no_convener", _("The assembly has no mayor or president (R1).")))
    if regime.needs_synthesis_note(sitting.assembly):
        check.problems += _notes_missing(sitting, items)
    check.problems += _notice_short(check, regime.notice_days_urgency)
    return check


def _notes_missing(sitting: Sitting, items: list[AgendaItem]) -> list[tuple[str, str]]:
    """R8: each item that needs a note explicative de synthèse and has none."""
    with_note = set(
        Document.objects.filter(item__sitting=sitting, kind=Document.Kind.SYNTHESIS).values_list(
            "item_id", flat=True
        )
    )
    return [
        (
            "synthesis_note_missing",
            _("Item %(n)s has no note explicative de synthèse (R8).") % {"n": item.position},
        )
        for item in items
        if item.needs_synthesis_note and item.id not in with_note
    ]


def _notice_short(check: ConvocationCheck, urgency_days: int) -> list[tuple[str, str]]:
    """R5-R7: fewer clear days than required (than an urgency's: never allowed)."""
    if check.clear_days < urgency_days:
        message = _("Less than %(n)s clear day before the sitting: never allowed (R7).") % {
            "n": urgency_days
        }
        return [("notice_too_short", message)]
    if check.clear_days < check.required:
        message = _(
            "%(days)s clear days before the sitting, %(required)s required (R5-R6); "
            "declare an urgency or move the sitting."
        ) % {"days": check.clear_days, "required": check.required}
        return [("notice_too_short", message)]
    return []


def _register_number(sitting: Sitting, now: datetime.datetime) -> str:
    count = Convocation.objects.filter(
        sitting__assembly=sitting.assembly, sent_at__year=now.year
    ).count()
    return f"{sitting.assembly.slug.upper()}-{now.year}-{count + 1:04d}"


@transaction.atomic
def convocation_send(
    *, sitting: Sitting, user: User, convened_by: Member | None = None, replacement_reason: str = ""
) -> Convocation:
    """R1-R9: check, enter in the register, publish, and dispatch to every member in office."""
    sitting = lock(sitting)
    require_state(sitting, Sitting.State.DRAFT, action=_("send the convocation"))
    convener = _convener(sitting, convened_by, replacement_reason)
    now = timezone.now()
    check = convocation_check(sitting, now)
    if not check.ok:
        code, message = check.problems[0]
        error = NoticeTooShort if code == "notice_too_short" else ConvocationIncomplete
        raise error(message, code=code, problems=[c for c, _m in check.problems])
    sitting.convened_by = convener
    sitting.convened_by_reason = replacement_reason.strip()
    sitting.state = Sitting.State.CONVENED
    sitting.save(update_fields=["convened_by", "convened_by_reason", "state"])
    convocation = _register(sitting, user, check, now)
    recipients = [
        ConvocationRecipient.objects.create(
            convocation=convocation,
            member=member,
            email=member.email,
            paper_requested=member.wants_paper,
            **({} if member.email else _no_address()),
        )
        for member in members_in_office(sitting)
    ]
    log(
        sitting, "convened", user, register=convocation.register_number, clear_days=check.clear_days
    )
    _dispatch_on_commit([r for r in recipients if r.email])
    copies_send(sitting=sitting, kind="convocation", start=sitting.starts_at)  # R32
    search_index_sitting(sitting=sitting)  # the agenda is public now (R9)
    publish(SittingConvened(sitting.id))
    return convocation


def _convener(sitting: Sitting, convened_by: Member | None, reason: str) -> Member | None:
    """R1: the chair, or a member in office replacing the chair with a reason."""
    if convened_by is not None:
        require_in_office(sitting, convened_by)
    convener = convened_by or sitting.chair
    if convener is not None and convener.id != sitting.chair_id and not reason.strip():
        raise InvalidInput(
            _("A replacement convening the council must give a reason (R1)."),
            code=SittingErrorCode.REPLACEMENT_REASON_MISSING,
        )
    return convener


def _register(
    sitting: Sitting, user: User, check: ConvocationCheck, now: datetime.datetime
) -> Convocation:
    """The convocation entered in the register, with its PDF and its accessible words."""
    act = convocation_act(sitting)
    pdf = pdf_of(act)
    convocation = Convocation(
        sitting=sitting,
        register_number=_register_number(sitting, now),
        sent_at=now,
        sent_by=actor(user),
        clear_days=check.clear_days,
        notice_required=check.required,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        published_at=now,
        content=act.stored(),  # the words of its accessible page (R34)
    )
    convocation.pdf.save(f"convocation-{sitting.pk}.pdf", ContentFile(pdf), save=False)
    convocation.save()
    return convocation


def _no_address() -> dict[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        message = _("The member has no e-mail address: send it on paper or enter one.")
    return {"status": ConvocationRecipient.Status.FAILED, "delivery_error": message}


def _dispatch_on_commit(recipients: list[ConvocationRecipient]) -> None:
    """One job per recipient and dispatch, once committed: a failure stays with its job.

    With a broker, they all go to the workers. Eager (the embedded set-up), they run in
    the request that sent the convocation, each on its own (one job's fault never stops
    the others), until `SEANCE_MAIL_INLINE_SECONDS` have passed: the rest goes through the
    broker to the worker, so that a mail server that does not answer never holds the
    clerk's page for each member's timeout in turn.
    """
    jobs = [(r.pk, r.dispatch) for r in recipients]
    run_or_enqueue_on_commit(DELIVER_JOB, jobs, inline_seconds=settings.SEANCE_MAIL_INLINE_SECONDS)


@transaction.atomic
def convocation_resend(*, sitting: Sitting, member_id: int, user: User) -> ConvocationRecipient:
    """Send the convocation again to one member, to the address the member has now.

    A new dispatch: its jobs retry on their own, and once accepted it is the latest
    dispatch that the notice is counted from (R5), which the board and the opening check.
    """
    sitting = lock(sitting)
    require_state(sitting, Sitting.State.CONVENED, action=_("send the convocation again"))
    recipient = (
        ConvocationRecipient.objects.select_for_update()
        .select_related("member")
        .filter(convocation__sitting=sitting, member_id=member_id)
        .first()
    )
    if recipient is None:
        raise NotFound(_("This member is not a recipient of this sitting's convocation."))
    name = {"name": recipient.member.full_name}
    redispatch(
        recipient,
        email=recipient.member.email,
        no_email=_("%(name)s has no e-mail address: enter one in the member's record first.")
        % name,
        in_progress=_("The convocation is being sent to %(name)s right now.") % name,
    )
    log(sitting, "convocation_resent", user, member=member_id, dispatch=recipient.dispatch)
    _dispatch_on_commit([recipient])
    return recipient


def convocation_deliver(
    *, recipient_id: int, dispatch: int, retry_in: float | None
) -> ConvocationRecipient | None:
    """Send one dispatch of one recipient's e-mail, at most once once the server took it.

    The job claims the delivery first (a job of an older dispatch, of a delivery already
    sent, failed for good or being sent by another job sends nothing and returns None).
    A refusal is recorded for the clerk; a temporary one, when `retry_in` seconds are
    left for another try, raises `DeliveryDeferred` for the job to retry.
    """
    convened = ConvocationRecipient.objects.filter(
        convocation__sitting__state=Sitting.State.CONVENED
    )
    if not claim(convened, recipient_id, dispatch):
        return None
    recipient = ConvocationRecipient.objects.select_related(
        "convocation__sitting__assembly", "member"
    ).get(pk=recipient_id)
    return deliver(recipient, send_convocation_email, retry_in)


@dataclass
class Notice:
    """R5 as it stands: clear days from the latest dispatch any member was sent."""

    latest_dispatch: datetime.datetime | None
    clear_days: int | None
    required: int
    if_sent_now: int

    @property
    def short(self) -> bool:
        return self.clear_days is not None and self.clear_days < self.required

    @property
    def resend_would_break(self) -> bool:
        return self.if_sent_now < self.required


def convocation_notice(convocation: Convocation) -> Notice:
    sitting = convocation.sitting
    regime = regime_for(sitting.assembly)
    dispatches = [
        at for at in convocation.recipients.values_list("sent_at", flat=True) if at is not None
    ]
    latest = max(dispatches, default=None)
    return Notice(
        latest_dispatch=latest,
        clear_days=regime.notice_clear_days(dispatches, sitting.starts_at),
        required=convocation.notice_required,
        if_sent_now=regime.clear_days(timezone.now(), sitting.starts_at),
    )


@transaction.atomic
def convocation_acknowledge(*, token: str) -> ConvocationRecipient:
    """The recipient opened the acknowledgement link: the proof of opening (R4)."""
    recipient = (
        ConvocationRecipient.objects.select_for_update()
        .select_related("convocation__sitting", "member")
        .filter(token=token)
        .first()
    )
    if recipient is None:
        raise NotFound(_("This acknowledgement link is not valid."))
    if recipient.opened_at is None:
        recipient.opened_at = timezone.now()
    recipient.open_count += 1
    recipient.save(update_fields=["opened_at", "open_count"])
    return recipient
