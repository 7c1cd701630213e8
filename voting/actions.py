"""Websocket actions of the voting app, mounted on the sitting's chair and seat surfaces.
Each parses a message and calls a service; errors are domain errors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from council.errors import InvalidInput
from council.models import Member
from sessions.access import member_of
from sessions.models import Sitting

from . import services
from .models import Vote


def _ids(message: dict[str, Any], key: str) -> list[int]:
    value = message.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise InvalidInput(
            _('"%(key)s" must be a list of member ids.') % {"key": key}, code="invalid_field"
        )
    return value


def _members(sitting: Sitting, ids: list[int]) -> list[Member]:
    found = list(sitting.assembly.members.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("No such member in this assembly."), code="unknown_member")
    return found


def _vote(sitting: Sitting, message: dict[str, Any]) -> Vote:
    vote_id = message.get("vote")
    vote = (
        Vote.objects.filter(sitting=sitting, pk=vote_id).first()
        if isinstance(vote_id, int) and not isinstance(vote_id, bool)
        else None
    )
    if vote is None:
        raise InvalidInput(_("No such vote in this sitting."), code="unknown_vote")
    return vote


def _text(message: dict[str, Any], key: str) -> str:
    value = message.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(_('"%(key)s" must be text.') % {"key": key}, code="invalid_field")
    return value


def vote_open(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code="no_current_item")
    chair_id = message.get("chair")
    services.vote_open(
        item=sitting.current_item,
        kind=_text(message, "kind"),
        user=consumer.user,
        question=_text(message, "question")[:300],
        candidates=_members(sitting, _ids(message, "candidates")),
        requests={k: _ids(message, k) for k in ("roll_call", "secret") if k in message},
        secret_waived=bool(message.get("secret_waived")),
        chair=_members(sitting, [chair_id])[0] if isinstance(chair_id, int) else None,
    )


def vote_close(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    counts = message.get("counts")
    if counts is not None and not isinstance(counts, dict):
        raise InvalidInput(_('"counts" must be an object.'), code="invalid_field")
    services.vote_close(vote=_vote(sitting, message), user=consumer.user, counts=counts)


def answer(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    [member] = _members(sitting, _ids({"m": [message.get("member")]}, "m"))
    services.answer_record(
        vote=_vote(sitting, message),
        member=member,
        choice=_text(message, "choice"),
        user=consumer.user,
    )


def next_round(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    candidates = _members(sitting, _ids(message, "candidates")) or None
    services.election_next_round(
        vote=_vote(sitting, message), user=consumer.user, candidates=candidates
    )


def ballot(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> dict[str, object]:
    voter = member_of(consumer.user, sitting.assembly_id)
    if voter is None:
        raise InvalidInput(_("Only a member of the council can vote."), code="not_member")
    grantor_id = message.get("on_behalf_of")
    grantor = _members(sitting, [grantor_id])[0] if isinstance(grantor_id, int) else None
    receipt = services.ballot_cast(
        vote=_vote(sitting, message),
        voter=voter,
        choice=_text(message, "choice"),
        client_id=_text(message, "client_id"),
        on_behalf_of=grantor,
    )
    return receipt.as_dict()


def secret_request(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code="no_current_item")
    services.secret_request_record(
        item=sitting.current_item,
        requested_by=_members(sitting, _ids(message, "requested_by")),
        user=consumer.user,
    )


CHAIR_ACTIONS = {
    "secret_request": secret_request,
    "vote_open": vote_open,
    "vote_close": vote_close,
    "vote_answer": answer,
    "vote_next_round": next_round,
}
SEAT_ACTIONS = {"ballot": ballot}
