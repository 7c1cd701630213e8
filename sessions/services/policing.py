"""R24: the chair's policing of the sitting. A call to order and an expulsion are entered,
with their time and reason, in the policing log (PolicingMeasure), the sitting's journal
and, for an expulsion, the attendance log as the member's departure: from then on the
member is absent (quorum, votes, the floor) and cannot come back in that sitting."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import CalledToOrder, MemberExpelled, publish
from council.models import Member
from council.regime import regime_for
from sessions.errors import SittingErrorCode

from ..errors import AttendanceRefused, InvalidInput, TransitionRefused
from ..models import AttendanceEvent, PolicingMeasure, Sitting
from ..selectors import presence
from .attendance import attendance_record
from .common import User, actor, lock, log, require_in_office, require_state

Kind = PolicingMeasure.Kind


def _checked(sitting: Sitting, member: Member, reason: str, action: str) -> str:
    require_state(sitting, Sitting.State.OPEN, action=action)
    require_in_office(sitting, member)
    if member.id not in presence(sitting):
        raise AttendanceRefused(
            _("%(name)s is not present in the sitting.") % {"name": member},
            code=SittingErrorCode.NOT_PRESENT,
        )
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            _("Give the reason for the measure (R24)."), code=SittingErrorCode.REASON_MISSING
        )
    return reason


def _measure(
    sitting: Sitting,
    member: Member,
    kind: str,
    reason: str,
    user: User,
    departure: AttendanceEvent | None = None,
) -> PolicingMeasure:
    measure = PolicingMeasure.objects.create(
        sitting=sitting,
        member=member,
        kind=kind,
        reason=reason,
        item_id=sitting.current_item_id,
        departure=departure,
        at=departure.at if departure else timezone.now(),
        ordered_by=actor(user),
    )
    log(
        sitting,
        "called_to_order" if kind == Kind.CALL_TO_ORDER else "member_expelled",
        user,
        at=measure.at,
        member=member.id,
        name=member.full_name,
        reason=reason,
        item=sitting.current_item_id,
    )
    return measure


@transaction.atomic
def member_call_to_order(
    *, sitting: Sitting, member: Member, reason: str, user: User
) -> PolicingMeasure:
    """R24: the chair calls a member present to order; the call and its reason go into the
    minutes."""
    sitting = lock(sitting)
    reason = _checked(sitting, member, reason, _("call a member to order"))
    measure = _measure(sitting, member, Kind.CALL_TO_ORDER, reason, user)
    publish(CalledToOrder(sitting.id, member=member.id, measure=measure.id))
    return measure


@transaction.atomic
def member_expel(*, sitting: Sitting, member: Member, reason: str, user: User) -> PolicingMeasure:
    """R24: the chair expels a member who gravely disturbs the sitting (never the chair).
    The departure is recorded by the attendance service (it also takes the member out of
    the speaking queue); the regime says whether the member may come back."""
    sitting = lock(sitting)
    reason = _checked(sitting, member, reason, _("expel a member"))
    if not regime_for(sitting.assembly).may_be_expelled(member.id, chair_id=sitting.chair_id):
        raise TransitionRefused(
            _("The chair of the sitting cannot be expelled from it."),
            code=SittingErrorCode.CANNOT_EXPEL,
        )
    departure = attendance_record(
        sitting=sitting, member=member, kind=AttendanceEvent.Kind.DEPARTURE, user=user
    )
    try:
        with transaction.atomic():
            measure = _measure(sitting, member, Kind.EXPULSION, reason, user, departure)
    except IntegrityError:  # a second expulsion racing the first
        raise TransitionRefused(
            _("%(name)s has already been expelled from this sitting.") % {"name": member},
            code=SittingErrorCode.ALREADY_EXPELLED,
        ) from None
    publish(MemberExpelled(sitting.id, member=member.id, measure=measure.id))
    return measure
