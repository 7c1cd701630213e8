"""The speaking queue: raise a hand, give and end the floor, speaking time."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import FloorEnded, FloorGiven, HandLowered, HandRaised, publish
from council.models import Member
from sessions.errors import SittingErrorCode

from ..errors import Conflict, InvalidInput
from ..models import Sitting, SpeakingRequest
from ..selectors import is_present
from .common import User, lock, require_in_office, require_state

W = SpeakingRequest.State


@transaction.atomic
def hand_raise(*, sitting: Sitting, member: Member) -> SpeakingRequest:
    sitting = lock(sitting)
    require_state(sitting, Sitting.State.OPEN, action=_("ask for the floor"))
    require_in_office(sitting, member)
    if not is_present(sitting, member.id):
        raise Conflict(
            _("You are not recorded as present: you cannot ask for the floor."),
            code=SittingErrorCode.MEMBER_ABSENT,
        )
    try:
        with transaction.atomic():
            request = SpeakingRequest.objects.create(
                sitting=sitting,
                item=sitting.current_item,
                member=member,
                requested_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(
            _("You have already asked for the floor."), code=SittingErrorCode.ALREADY_QUEUED
        ) from None
    publish(HandRaised(sitting.id, member=member.id))
    return request


@transaction.atomic
def hand_lower(*, sitting: Sitting, member: Member) -> None:
    sitting = lock(sitting)
    updated = SpeakingRequest.objects.filter(
        sitting=sitting, member=member, state=W.WAITING
    ).update(state=W.WITHDRAWN, ended_at=timezone.now())
    if not updated:
        raise Conflict(_("You have not asked for the floor."), code=SittingErrorCode.NOT_QUEUED)
    publish(HandLowered(sitting.id, member=member.id))


def queue_leave(sitting: Sitting, member: Member) -> bool:
    """A member who leaves (roll call, or the video for a remote member) leaves the queue:
    a waiting request is withdrawn, a floor in progress ends. Called inside the departure's
    transaction; its broadcast carries the new queue. Returns whether anything changed."""
    now = timezone.now()
    withdrawn = SpeakingRequest.objects.filter(
        sitting=sitting, member=member, state=W.WAITING
    ).update(state=W.WITHDRAWN, ended_at=now)
    ended = SpeakingRequest.objects.filter(sitting=sitting, member=member, state=W.SPEAKING).update(
        state=W.DONE, ended_at=now
    )
    return bool(withdrawn or ended)


@transaction.atomic
def floor_give(*, sitting: Sitting, request_id: int, user: User) -> SpeakingRequest:
    sitting = lock(sitting)
    require_state(sitting, Sitting.State.OPEN, action=_("give the floor"))
    request = SpeakingRequest.objects.filter(
        sitting=sitting, pk=request_id, state=W.WAITING
    ).first()
    if request is None:
        raise InvalidInput(_("This request is not in the queue."), code=SittingErrorCode.NOT_QUEUED)
    if not is_present(sitting, request.member_id):
        raise Conflict(
            _("%(name)s is no longer present: the request has left the queue.")
            % {"name": request.member.full_name},
            code=SittingErrorCode.MEMBER_ABSENT,
        )
    now = timezone.now()
    SpeakingRequest.objects.filter(sitting=sitting, state=W.SPEAKING).update(
        state=W.DONE, ended_at=now
    )
    request.state = W.SPEAKING
    request.started_at = now
    request.save(update_fields=["state", "started_at"])
    publish(FloorGiven(sitting.id, member=request.member_id, name=request.member.full_name))
    return request


@transaction.atomic
def floor_end(*, sitting: Sitting, user: User) -> SpeakingRequest:
    sitting = lock(sitting)
    request = SpeakingRequest.objects.filter(sitting=sitting, state=W.SPEAKING).first()
    if request is None:
        raise Conflict(_("Nobody has the floor."), code=SittingErrorCode.NO_SPEAKER)
    request.state = W.DONE
    request.ended_at = timezone.now()
    request.save(update_fields=["state", "ended_at"])
    publish(FloorEnded(sitting.id, member=request.member_id, seconds=request.seconds_spoken))
    return request
