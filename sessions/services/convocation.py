"""Convocation (R1-R9): checks, dispatch with PDF and iCalendar, register, proof of opening."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.models import Member
from council.regime import regime_for

from ..documents import render_convocation_pdf
from ..errors import ConvocationIncomplete, InvalidInput, NotFound, NoticeTooShort
from ..models import Convocation, ConvocationRecipient, Document, Sitting
from ..realtime import broadcast
from ..selectors import members_in_office
from .common import User, actor, lock, log, require_in_office, require_state


@dataclass
class ConvocationCheck:
    clear_days: int
    required: int
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def required_notice(sitting: Sitting) -> int:
    regime = regime_for(sitting.assembly)
    if sitting.second_convocation_of_id is not None and not sitting.urgency:
        return regime.second_convocation_days
    return regime.required_notice_days(
        sitting.assembly, first_after_renewal=sitting.first_after_renewal, urgency=sitting.urgency
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
        with_note = set(
            Document.objects.filter(
                item__sitting=sitting, kind=Document.Kind.SYNTHESIS
            ).values_list("item_id", flat=True)
        )
        for item in items:
            if item.needs_synthesis_note and item.id not in with_note:
                check.problems.append(
                    (
                        "synthesis_note_missing",
                        _("Item %(n)s has no note explicative de synthèse (R8).")
                        % {"n": item.position},
                    )
                )
    if check.clear_days < regime.notice_days_urgency:
        check.problems.append(
            (
                "notice_too_short",
                _("Less than %(n)s clear day before the sitting: never allowed (R7).")
                % {"n": regime.notice_days_urgency},
            )
        )
    elif check.clear_days < check.required:
        check.problems.append(
            (
                "notice_too_short",
                _(
                    "%(days)s clear days before the sitting, %(required)s required (R5-R6); "
                    "declare an urgency or move the sitting."
                )
                % {"days": check.clear_days, "required": check.required},
            )
        )
    return check


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
    if convened_by is not None:
        require_in_office(sitting, convened_by)
    convener = convened_by or sitting.chair
    replacing = convener is not None and convener.id != sitting.chair_id
    if replacing and not replacement_reason.strip():
        raise InvalidInput(
            _("A replacement convening the council must give a reason (R1)."),
            code="replacement_reason_missing",
        )
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
    pdf = render_convocation_pdf(sitting)
    convocation = Convocation(
        sitting=sitting,
        register_number=_register_number(sitting, now),
        sent_at=now,
        sent_by=actor(user),
        clear_days=check.clear_days,
        notice_required=check.required,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        published_at=now,
    )
    convocation.pdf.save(f"convocation-{sitting.pk}.pdf", ContentFile(pdf), save=False)
    convocation.save()
    for member in members_in_office(sitting):
        ConvocationRecipient.objects.create(
            convocation=convocation,
            member=member,
            email=member.email,
            paper_requested=member.wants_paper,
        )
    log(
        sitting, "convened", user, register=convocation.register_number, clear_days=check.clear_days
    )
    from ..tasks import dispatch_convocation

    transaction.on_commit(lambda: dispatch_convocation.delay(convocation.pk))
    broadcast(sitting, "convened")
    return convocation


def convocation_deliver(*, recipient: ConvocationRecipient) -> ConvocationRecipient:
    """Send one recipient's e-mail; record the time it left or the error."""
    from ..mail import send_convocation_email

    if recipient.sent_at is not None or not recipient.email:
        return recipient
    try:
        send_convocation_email(recipient)
    except OSError as exc:
        recipient.delivery_error = str(exc)[:300]
        recipient.save(update_fields=["delivery_error"])
        raise
    recipient.sent_at = timezone.now()
    recipient.delivery_error = ""
    recipient.save(update_fields=["sent_at", "delivery_error"])
    return recipient


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
