"""The roll call in one action: every member in office recorded present at once, the
chair then marks the few who are absent (R10-R11: the quorum is counted at the opening)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import AttendanceChanged, publish
from sessions.errors import SittingErrorCode

from ..errors import AttendanceRefused
from ..models import AttendanceEvent, Sitting
from ..selectors import kept_out_ids, members_in_office, presence
from .attendance import LIVE, Kind, Mode, _room_for
from .common import User, actor, lock, require_state


@transaction.atomic
def attendance_all_present(*, sitting: Sitting, user: User) -> dict[str, int]:
    """An arrival in the chamber for each member in office not yet present: one event each
    in the append-only log and a single broadcast. Only the chamber: a remote room's
    members arrive one by one (R27). A member who is in fact absent is then marked by a
    departure, as for any other correction."""
    sitting = lock(sitting)
    require_state(sitting, *LIVE, action=_("record attendance"))
    place = _room_for(sitting, Mode.CHAMBER, None)
    here = presence(sitting)
    gone = kept_out_ids(sitting)  # R24: an expelled member is not brought back
    missing = [m for m in members_in_office(sitting) if m.id not in here and m.id not in gone]
    if not missing:
        raise AttendanceRefused(
            _("Every member in office is already present."), code=SittingErrorCode.ALL_PRESENT
        )
    now = timezone.now()
    for member in missing:
        AttendanceEvent.objects.create(
            sitting=sitting,
            member=member,
            kind=Kind.ARRIVAL,
            mode=Mode.CHAMBER,
            room=place,
            at=now,
            recorded_by=actor(user),
        )
    arrived = tuple(m.id for m in missing)
    publish(AttendanceChanged(sitting.id, kind=Kind.ARRIVAL, mode=Mode.CHAMBER, members=arrived))
    return {"recorded": len(missing)}
