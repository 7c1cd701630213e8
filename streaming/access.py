"""The access helpers of a sitting's broadcast and of its video meeting, for pages, API,
consumers and tasks alike (sessions.access has the sitting's rules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from council.errors import Forbidden, InvalidInput, NotFound
from council.models import Member, Room
from sessions.access import Role, access_sitting, can, member_of
from sessions.models import Sitting
from streaming.errors import Code

from .models import Broadcast


def access_broadcast(user: Any, sitting_id: Any, role: Role = Role.BROADCAST) -> Broadcast:
    """The sitting's broadcast, if `user` may act on it as `role` (BROADCAST: the régie;
    PUBLIC: the player); NotFound when the sitting has none (yet)."""
    sitting = access_sitting(user, sitting_id, role)
    broadcast = Broadcast.objects.filter(sitting=sitting).first()
    if broadcast is None:
        raise NotFound(_("This sitting has no broadcast."))
    broadcast.sitting = sitting
    return broadcast


@dataclass(frozen=True)
class MeetingSeat:
    """Who joins a sitting's video meeting: a member as themself, or a remote room of an
    intercommunality through its agent (R27); `chair` moderates."""

    sitting: Sitting
    member: Member | None
    room: Room | None
    chair: bool


def access_meeting(user: Any, sitting_id: Any, room_id: int | None = None) -> MeetingSeat:
    """A member joins as themself (not_member for anyone else); the agent who keeps a
    remote room's roll joins for it (`room_id`: a designated remote room of the sitting).
    The same check is run again at each frame (council.sockets)."""
    if room_id is None:
        sitting = access_sitting(user, sitting_id, Role.MEMBER)
        member = member_of(user, sitting.assembly_id)
        if member is None:
            raise Forbidden(_("Only members of the council join the video."), code=Code.NOT_MEMBER)
        return MeetingSeat(sitting, member, None, can(user, sitting, Role.CHAIR))
    sitting = access_sitting(user, sitting_id, Role.ATTENDANCE)
    room = sitting.remote_rooms.filter(pk=room_id).first()
    if room is None:
        raise InvalidInput(
            _("This room is not a designated remote room of the sitting."), code=Code.WRONG_ROOM
        )
    return MeetingSeat(sitting, None, room, can(user, sitting, Role.CHAIR))
