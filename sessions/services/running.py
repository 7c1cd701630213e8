"""The sitting's state machine: open, suspend, resume, close; agenda navigation;
urgency, closed session, secretary, second convocation."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import (
    ClosedSessionEntered,
    ClosedSessionLeft,
    ClosedSessionRejected,
    ItemTakenUp,
    SecretaryNamed,
    SittingAdjourned,
    SittingClosed,
    SittingOpened,
    SittingResumed,
    SittingSuspended,
    UrgencyDecided,
    attach,
    publish,
)
from council.models import Member
from council.regime import regime_for
from council.words import clear_days_words, day_date
from sessions.errors import SittingErrorCode

from ..errors import InvalidInput, NoticeTooShort, QuorumNotReached, TransitionRefused
from ..models import AgendaItem, Sitting, SpeakingRequest
from ..selectors import quorum_for, sitting_facts
from .carry import item_carry, postponed_carry_from
from .common import User, lock, log, require_in_office, require_state
from .convocation import convocation_notice

S = Sitting.State


@transaction.atomic
def secretary_name(*, sitting: Sitting, member: Member, user: User) -> Sitting:
    """R23: the secretary is a member of the council."""
    sitting = lock(sitting)
    require_state(sitting, S.CONVENED, S.OPEN, S.SUSPENDED, action=_("name the secretary"))
    require_in_office(sitting, member)
    sitting.secretary = member
    sitting.save(update_fields=["secretary"])
    log(sitting, "secretary_named", user, member=member.id)
    publish(SecretaryNamed(sitting.id, secretary=member.full_name))
    return sitting


@transaction.atomic
def sitting_open(
    *, sitting: Sitting, user: User, open_anyway: bool = False, reason: str = ""
) -> Sitting:
    """R11, R23: a secretary is named and the quorum is reached at the opening; R2: on the
    day and at the hour of the convocation (`open_anyway` with a reason, logged, for any
    other time)."""
    sitting = lock(sitting)
    require_state(sitting, S.CONVENED, action=_("open the sitting"))
    if sitting.secretary_id is None:
        raise TransitionRefused(
            _("Name a secretary before opening the sitting."),
            code=SittingErrorCode.SECRETARY_MISSING,
        )
    quorum = quorum_for(sitting)
    if not quorum.reached:
        raise QuorumNotReached(
            _("Quorum not reached: %(explanation)s.") % {"explanation": quorum.explanation},
            quorum=quorum.as_dict(),
        )
    _check_notice(sitting, user)
    now = timezone.now()
    _check_convened_time(sitting, user, now, open_anyway=open_anyway, reason=reason)
    sitting.state = S.OPEN
    sitting.opened_at = now
    sitting.save(update_fields=["state", "opened_at"])
    log(sitting, "opened", user, quorum=quorum.as_dict())
    publish(SittingOpened(sitting.id))
    return sitting


def _check_convened_time(
    sitting: Sitting, user: User, now: datetime.datetime, *, open_anyway: bool, reason: str
) -> None:
    """R2: the convocation fixes the day and the hour. Outside the regime's window the
    opening is refused, naming the convened date, unless the chair confirms with a reason;
    the confirmation and its reason go into the sitting's log."""
    earliest, latest = regime_for(sitting.assembly).opening_window(sitting.starts_at)
    if earliest <= now <= latest:
        return
    early = now < earliest
    if not open_anyway:
        raise _outside_convened_time(sitting, early=early)
    if not reason.strip():
        raise InvalidInput(
            _("Give the reason for opening the sitting outside its convened time."),
            code=SittingErrorCode.OPENING_REASON_MISSING,
        )
    log(
        sitting,
        "opened_outside_convened_time",
        user,
        convened_for=sitting.starts_at.isoformat(),
        early=early,
        reason=reason.strip(),
    )


def _outside_convened_time(sitting: Sitting, *, early: bool) -> TransitionRefused:
    """R2: the refusal of an opening before the convened time, or long after it, naming
    the convened date."""
    words = {"date": day_date(timezone.localtime(sitting.starts_at), "l j F Y, H:i")}
    message = (
        _(
            "The sitting is convened for %(date)s: it cannot be opened before. To open "
            "it all the same, confirm with a reason."
        )
        if early
        else _(
            "The sitting was convened for %(date)s: that time is long past. To open it "
            "all the same, confirm with a reason."
        )
    )
    return TransitionRefused(
        message % words,
        code="opening_before_convened" if early else "opening_after_convened",
        convened_for=sitting.starts_at.isoformat(),
    )


def _check_notice(sitting: Sitting, user: User) -> None:
    """R5 again at the opening: a convocation sent again late to a member may have left
    fewer clear days than required since the latest dispatch; the regime says whether the
    sitting may still open (the shortfall then goes into its log)."""
    convocation = getattr(sitting, "convocation", None)
    if convocation is None:
        return
    notice = convocation_notice(convocation)
    if not notice.short or notice.latest_dispatch is None:
        return
    words = {
        "date": day_date(timezone.localtime(notice.latest_dispatch), "j F Y"),
        "days": clear_days_words(notice.clear_days or 0),
        "required": clear_days_words(notice.required),
    }
    if regime_for(sitting.assembly).short_notice_blocks_opening:
        raise NoticeTooShort(
            _(
                "The convocation was last sent on %(date)s: %(days)s before the sitting, "
                "%(required)s required (R5). The sitting cannot be opened; convene it again "
                "at a later date."
            )
            % words,
            code=SittingErrorCode.NOTICE_TOO_SHORT,
            clear_days=notice.clear_days,
            required=notice.required,
        )
    log(sitting, "opened_with_short_notice", user, clear_days=notice.clear_days)


@transaction.atomic
def sitting_suspend(*, sitting: Sitting, user: User) -> Sitting:
    sitting = lock(sitting)
    require_state(sitting, S.OPEN, action=_("suspend the sitting"))
    _end_floor(sitting)
    sitting.state = S.SUSPENDED
    sitting.save(update_fields=["state"])
    log(sitting, "suspended", user)
    publish(SittingSuspended(sitting.id))
    return sitting


@transaction.atomic
def sitting_resume(*, sitting: Sitting, user: User) -> Sitting:
    sitting = lock(sitting)
    require_state(sitting, S.SUSPENDED, action=_("resume the sitting"))
    sitting.state = S.OPEN
    sitting.save(update_fields=["state"])
    log(sitting, "resumed", user, quorum=quorum_for(sitting, sitting.current_item).as_dict())
    publish(SittingResumed(sitting.id))
    return sitting


@transaction.atomic
def sitting_close(*, sitting: Sitting, user: User) -> Sitting:
    sitting = lock(sitting)
    require_state(sitting, S.OPEN, action=_("close the sitting"))
    _end_floor(sitting)
    _current_done(sitting)
    sitting.state = S.CLOSED
    sitting.outcome = Sitting.Outcome.HELD
    sitting.in_closed_session = False
    sitting.closed_at = timezone.now()
    sitting.save(update_fields=["state", "outcome", "in_closed_session", "closed_at"])
    log(sitting, "closed", user)
    postponed_carry_from(sitting=sitting, user=user)  # R27
    publish(SittingClosed(sitting.id))
    return sitting


@transaction.atomic
def item_take_up(*, sitting: Sitting, item: AgendaItem, user: User) -> AgendaItem:
    """Move to an item; R11: the quorum is checked again and recorded."""
    sitting = lock(sitting)
    require_state(sitting, S.OPEN, action=_("take up an item"))
    if item.sitting_id != sitting.id:
        raise InvalidInput(
            _("This item belongs to another sitting."), code=SittingErrorCode.WRONG_ITEM
        )
    if sitting.urgency and sitting.urgency_accepted is None:
        raise TransitionRefused(
            _("The council must first vote on the urgency (R7)."),
            code=SittingErrorCode.URGENCY_UNDECIDED,
        )
    if item.state == AgendaItem.State.POSTPONED:
        raise TransitionRefused(_("This item was postponed."), code=SittingErrorCode.ITEM_POSTPONED)
    _end_floor(sitting)
    if sitting.current_item_id != item.id:
        _current_done(sitting)
    item.state = AgendaItem.State.CURRENT
    item.save(update_fields=["state"])
    sitting.current_item = item
    sitting.save(update_fields=["current_item"])
    facts = sitting_facts(sitting)  # the committed ones: every change of them takes the lock
    quorum = quorum_for(sitting, item, facts)
    log(sitting, "item_taken_up", user, item=item.id, quorum=quorum.as_dict())
    taken_up = ItemTakenUp(sitting.id, item=item.id, quorum_reached=quorum.reached)
    publish(attach(taken_up, facts=facts))  # the snapshots read them once, not twice
    return item


@transaction.atomic
def urgency_decide(*, sitting: Sitting, accepted: bool, user: User) -> Sitting:
    """R7: the sitting opens with a vote on the urgency; if rejected, the items concerned
    are postponed."""
    sitting = lock(sitting)
    require_state(sitting, S.OPEN, action=_("decide on the urgency"))
    if not sitting.urgency or sitting.urgency_accepted is not None:
        raise TransitionRefused(
            _("There is no urgency to decide."), code=SittingErrorCode.NO_URGENCY
        )
    sitting.urgency_accepted = accepted
    sitting.save(update_fields=["urgency_accepted"])
    if not accepted:
        concerned = sitting.items.filter(urgent=True)
        if not concerned.exists():
            concerned = sitting.items.all()
        concerned.update(state=AgendaItem.State.POSTPONED)
    log(sitting, "urgency_decided", user, accepted=accepted)
    publish(UrgencyDecided(sitting.id, accepted=accepted))
    return sitting


def closed_session_decided(
    *, sitting: Sitting, vote_id: int, result: dict[str, Any], requested_by: list[int], user: User
) -> bool:
    """R25: the council's own vote on the closed session (voting.services.closed_session)
    has closed; called inside its transaction. Adopted, the council goes into closed
    session (the floor ends, the public broadcast stops); rejected, the sitting stays
    public. The sitting's log keeps the decision with its vote, for the minutes."""
    sitting = lock(sitting)
    adopted = bool(result.get("adopted"))
    if adopted:
        _end_floor(sitting)
        sitting.in_closed_session = True
        sitting.save(update_fields=["in_closed_session"])
    log(
        sitting,
        "closed_session_vote",
        user,
        vote=vote_id,
        votes_for=int(result.get("for", 0)),
        votes_against=int(result.get("against", 0)),
        abstentions=int(result.get("abstain", 0)),
        voters=int(result.get("voices", 0)),
        adopted=adopted,
        requested_by=requested_by,
    )
    decided = ClosedSessionEntered if adopted else ClosedSessionRejected
    publish(decided(sitting.id, vote=vote_id))
    return adopted


@transaction.atomic
def closed_session_leave(*, sitting: Sitting, user: User) -> Sitting:
    sitting = lock(sitting)
    if not sitting.in_closed_session:
        raise TransitionRefused(
            _("The sitting is not in closed session."), code=SittingErrorCode.NOT_CLOSED
        )
    sitting.in_closed_session = False
    sitting.save(update_fields=["in_closed_session"])
    log(sitting, "closed_session_left", user)
    publish(ClosedSessionLeft(sitting.id))
    return sitting


@transaction.atomic
def sitting_adjourn_for_quorum(
    *, sitting: Sitting, user: User, new_starts_at: datetime.datetime
) -> Sitting:
    """R12: without quorum, a second convocation carries the same items; for those
    items no quorum is needed. Returns the new draft sitting."""
    sitting = lock(sitting)
    require_state(sitting, S.CONVENED, S.OPEN, action=_("adjourn for lack of quorum"))
    if quorum_for(sitting, sitting.current_item).reached:
        raise TransitionRefused(_("The quorum is reached."), code=SittingErrorCode.QUORUM_REACHED)
    if new_starts_at <= sitting.starts_at:
        raise InvalidInput(
            _("The second sitting must come later."), code=SittingErrorCode.INVALID_DATE
        )
    pending = list(sitting.items.exclude(state=AgendaItem.State.DONE))
    sitting.state = S.CLOSED
    sitting.outcome = Sitting.Outcome.NO_QUORUM
    sitting.closed_at = timezone.now()
    sitting.save(update_fields=["state", "outcome", "closed_at"])
    AgendaItem.objects.filter(pk__in=[i.pk for i in pending]).update(
        state=AgendaItem.State.POSTPONED
    )
    second = Sitting.objects.create(
        assembly=sitting.assembly,
        title=_("%(title)s (second convocation)") % {"title": sitting.title},
        starts_at=new_starts_at,
        place=sitting.place,
        chair=sitting.chair,
        second_convocation_of=sitting,
    )
    second.remote_rooms.set(sitting.remote_rooms.all())
    for position, item in enumerate(pending, start=1):
        item_carry(item, into=second, position=position)
    log(sitting, "adjourned_no_quorum", user, second_sitting=second.id)
    log(second, "created", user, second_convocation_of=sitting.id)
    publish(SittingAdjourned(sitting.id, second_sitting=second.id))
    return second


def _current_done(sitting: Sitting) -> None:
    """The item under discussion is done when the sitting moves on, unless it was
    postponed meanwhile (R27: a secret ballot asked for in a teleconference sitting)."""
    if sitting.current_item_id:
        AgendaItem.objects.filter(
            pk=sitting.current_item_id, state=AgendaItem.State.CURRENT
        ).update(state=AgendaItem.State.DONE)


def _end_floor(sitting: Sitting) -> None:
    SpeakingRequest.objects.filter(sitting=sitting, state=SpeakingRequest.State.SPEAKING).update(
        state=SpeakingRequest.State.DONE, ended_at=timezone.now()
    )
