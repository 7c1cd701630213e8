"""What the vote's endpoints share: their errors, the item under discussion, the schema's
examples."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample

from council.api import errors
from council.errors import InvalidInput
from sessions.models import AgendaItem, Sitting
from voting.errors import VotingErrorCode

VOTE_ERRORS = errors(400, 401, 403, 404, 409)


def current_item(sitting: Sitting) -> AgendaItem:
    """The item under discussion, which a vote, a request or a waiver is about."""
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code=VotingErrorCode.NO_CURRENT_ITEM)
    return sitting.current_item


def example(name: str, value: dict[str, Any], summary: str = "") -> OpenApiExample:
    return OpenApiExample(name, value=value, summary=summary or name, request_only=True)


def answer(name: str, value: dict[str, Any], status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])
