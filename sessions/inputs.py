"""The objects of a sitting that an input names (an API body, a socket message, a form),
looked up within the sitting or its assembly: an unknown id, or another sitting's or
assembly's, is a 400 in French (code unknown_*), never its object. The ids themselves are
read by council.parsing, as are the members (parse_member, parse_members)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from council.errors import InvalidInput
from council.models import Assembly, Room
from council.parsing import parse_id, parse_ids, parse_optional_id
from sessions.errors import SittingErrorCode

from .models import AgendaItem, Sitting


def item_in(sitting: Sitting, value: object, *, field: str = "item") -> AgendaItem:
    item = sitting.items.filter(pk=parse_id(value, field=field)).first()
    if item is None:
        raise InvalidInput(_("No such item in this sitting."), code=SittingErrorCode.UNKNOWN_ITEM)
    return item


def rooms_in(assembly: Assembly, value: object, *, field: str = "remote_rooms") -> list[Room]:
    ids = parse_ids(value, field=field)
    rooms = list(assembly.rooms.filter(pk__in=ids))
    if len(rooms) != len(set(ids)):
        raise InvalidInput(_("No such room in this assembly."), code=SittingErrorCode.UNKNOWN_ROOM)
    return rooms


def optional_room_in(assembly: Assembly, value: object, *, field: str = "room") -> Room | None:
    room_id = parse_optional_id(value, field=field)
    return None if room_id is None else rooms_in(assembly, [room_id], field=field)[0]


def sittings_of(
    sitting: Sitting, value: object, *, field: str = "sittings", strings: bool = False
) -> list[Sitting]:
    """Sittings of the same council (a proxy's), as given: a malformed or unknown id is
    refused, never dropped."""
    ids = parse_ids(value, field=field, strings=strings)
    found = list(Sitting.objects.filter(assembly=sitting.assembly, pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(
            _("No such sitting of this council."), code=SittingErrorCode.UNKNOWN_SITTING
        )
    return found
