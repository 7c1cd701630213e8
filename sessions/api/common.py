"""Helpers of the API's views (sessions.api_views, sessions/api/, voting.api): the objects
an input names, looked up within the sitting's assembly."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.request import Request

from council.api import JSONParser
from council.errors import InvalidInput, NotFound
from council.models import Assembly, Member, Room
from voting.models import Vote

from ..access import Role, access_sitting
from ..models import AgendaItem, Sitting

# JSON, or a multipart form for an upload (its size bounded by SEANCE_MAX_REQUEST_BYTES).
UPLOAD_PARSERS = (parsers.MultiPartParser, JSONParser)


# The lookups of an id the API was given: a 400 (or 404) in French for another
# assembly's, never its object.


def member_in(sitting: Sitting, member_id: int) -> Member:
    member = sitting.assembly.members.filter(pk=member_id).first()
    if member is None:
        raise InvalidInput(_("No such member in this assembly."), code="unknown_member")
    return member


def item_in(sitting: Sitting, item_id: int) -> AgendaItem:
    item = sitting.items.filter(pk=item_id).first()
    if item is None:
        raise InvalidInput(_("No such item in this sitting."), code="unknown_item")
    return item


def rooms_in(assembly: Assembly, ids: list[int]) -> list[Room]:
    rooms = list(assembly.rooms.filter(pk__in=ids))
    if len(rooms) != len(set(ids)):
        raise InvalidInput(_("No such room in this assembly."), code="unknown_room")
    return rooms


def sittings_of(sitting: Sitting, ids: list[int]) -> list[Sitting]:
    found = list(Sitting.objects.filter(assembly=sitting.assembly, pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("No such sitting of this council."), code="unknown_sitting")
    return found


def vote_for(request: Request, vote_id: int, role: Role) -> Vote:
    vote = Vote.objects.select_related("sitting").filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("No such vote."))
    access_sitting(request.user, vote.sitting_id, role)
    return vote
