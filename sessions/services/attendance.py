"""Roll call: arrivals and departures (append-only) and declared interests."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import AttendanceChanged, InterestChanged, publish
from council.models import Member, Room
from sessions.errors import SittingErrorCode

from ..errors import AttendanceRefused, InvalidInput
from ..models import AgendaItem, AttendanceEvent, Interest, Sitting
from ..selectors import kept_out_ids, presence
from .common import User, actor, lock, log, require_in_office, require_state
from .speaking import queue_leave

Mode = AttendanceEvent.Mode
Kind = AttendanceEvent.Kind
LIVE = (Sitting.State.CONVENED, Sitting.State.OPEN, Sitting.State.SUSPENDED)


def _room_for(sitting: Sitting, mode: str, room: Room | None) -> Room | None:
    if mode == Mode.CHAMBER:
        return sitting.place
    if mode == Mode.REMOTE_ROOM:
        if room is None or not sitting.remote_rooms.filter(pk=room.pk).exists():
            raise AttendanceRefused(
                _("This room is not a designated remote room of the sitting."),
                code=SittingErrorCode.WRONG_ROOM,
            )
        return room
    if mode == Mode.REMOTE:
        return None
    raise InvalidInput(_("Unknown attendance mode."), code=SittingErrorCode.INVALID_MODE)


def require_not_expelled(sitting: Sitting, member: Member) -> None:
    """R24: an expelled member does not come back in that sitting (unless the regime says
    they may, `kept_out_ids`): their arrival is refused, from the roll or the desk; the
    roll's "all present" and their video leave them out."""
    if member.id in kept_out_ids(sitting):
        raise AttendanceRefused(
            _("%(name)s was expelled from this sitting by the chair and cannot come back (R24).")
            % {"name": member},
            code=SittingErrorCode.MEMBER_EXPELLED,
        )


@transaction.atomic
def attendance_record(
    *,
    sitting: Sitting,
    member: Member,
    kind: str,
    user: User,
    mode: str = Mode.CHAMBER,
    room: Room | None = None,
) -> AttendanceEvent:
    """Log an arrival or a departure. The log is never edited: a mistake is corrected by
    the opposite event. A departure (from the roll, or a remote member leaving the video)
    takes the member out of the speaking queue."""
    sitting = lock(sitting)
    require_state(sitting, *LIVE, action=_("record attendance"))
    require_in_office(sitting, member)
    mode, place = _where(sitting, member, kind, mode, room)
    event = AttendanceEvent.objects.create(
        sitting=sitting,
        member=member,
        kind=kind,
        mode=mode,
        room=place,
        at=timezone.now(),
        recorded_by=actor(user),
    )
    left = queue_leave(sitting, member) if kind == Kind.DEPARTURE else None
    publish(AttendanceChanged(sitting.id, kind=kind, mode=mode, member=member.id, left_queue=left))
    return event


def _where(
    sitting: Sitting, member: Member, kind: str, mode: str, room: Room | None
) -> tuple[str, Room | None]:
    """Where the event places the member: an arrival where they come (refused if present
    already, or expelled: R24), a departure from where they were (refused if absent)."""
    here = presence(sitting).get(member.id)
    if kind == Kind.ARRIVAL:
        if here is not None:
            raise AttendanceRefused(
                _("%(name)s is already present.") % {"name": member},
                code=SittingErrorCode.ALREADY_PRESENT,
            )
        require_not_expelled(sitting, member)
        return mode, _room_for(sitting, mode, room)
    if kind == Kind.DEPARTURE:
        if here is None:
            raise AttendanceRefused(
                _("%(name)s is not present.") % {"name": member}, code=SittingErrorCode.NOT_PRESENT
            )
        return here.mode, here.room
    raise InvalidInput(_("Unknown attendance event."), code=SittingErrorCode.INVALID_KIND)


@transaction.atomic
def interest_declare(*, item: AgendaItem, member: Member, user: User) -> Interest:
    """L2131-11: the member takes no part in the item and is left out of its quorum."""
    sitting = lock(item.sitting)
    require_in_office(sitting, member)
    try:
        with transaction.atomic():
            interest = Interest.objects.create(item=item, member=member)
    except IntegrityError:
        raise AttendanceRefused(
            _("This interest is already declared."), code=SittingErrorCode.DUPLICATE
        ) from None
    log(sitting, "interest_declared", user, item=item.id, member=member.id)
    publish(InterestChanged(sitting.id, item=item.id, member=member.id))
    return interest


@transaction.atomic
def interest_withdraw(*, item: AgendaItem, member: Member, user: User) -> None:
    sitting = lock(item.sitting)
    require_state(sitting, Sitting.State.DRAFT, *LIVE, action=_("withdraw an interest"))
    deleted, _rows = Interest.objects.filter(item=item, member=member).delete()
    if not deleted:
        raise AttendanceRefused(_("No interest was declared."), code=SittingErrorCode.NO_INTEREST)
    log(sitting, "interest_withdrawn", user, item=item.id, member=member.id)
    publish(InterestChanged(sitting.id, item=item.id, member=member.id))
