"""Websocket actions of the voting app, mounted on the sitting's chair and seat surfaces.
Each parses a message and calls a service; errors are domain errors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from council.errors import InvalidInput
from council.models import Member
from council.parsing import (
    parse_choice,
    parse_count,
    parse_flag,
    parse_id,
    parse_ids,
    parse_optional_id,
    parse_text,
)
from sessions.access import member_of
from sessions.models import Sitting
from sessions.services.requesters import present_requesters

from . import services
from .models import Vote
from .seat_events import my_ballots_changed
from .services.opening import REQUEST_KINDS

COUNTED = ("for", "against", "abstain")


MAX_QUESTION = 300
MAX_COUNT = 100_000


def _members(sitting: Sitting, ids: list[int]) -> list[Member]:
    found = list(sitting.assembly.members.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("No such member in this assembly."), code="unknown_member")
    return found


def _member(sitting: Sitting, message: dict[str, Any], key: str) -> Member | None:
    """The member named by `key`, or None when the field is absent or null."""
    member_id = parse_optional_id(message.get(key), field=key)
    return None if member_id is None else _members(sitting, [member_id])[0]


def _vote(sitting: Sitting, message: dict[str, Any]) -> Vote:
    vote_id = parse_id(message.get("vote"), field="vote")
    vote = Vote.objects.filter(sitting=sitting, pk=vote_id).first()
    if vote is None:
        raise InvalidInput(_("No such vote in this sitting."), code="unknown_vote")
    return vote


def counts_parse(value: object) -> dict[str, Any] | None:
    """The counts of a show of hands: for, against, abstain (whole numbers) and the chair's
    own choice for a casting vote (R16); absent: the ballots are counted."""
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {*COUNTED, "chair_choice"}:
        raise InvalidInput(
            _('"counts" must be an object of "for", "against", "abstain" and "chair_choice".'),
            code="invalid_field",
            field="counts",
        )
    counts: dict[str, Any] = {
        c: parse_count(value[c], field=c, maximum=MAX_COUNT) for c in COUNTED if c in value
    }
    if "chair_choice" in value:
        counts["chair_choice"] = parse_choice(
            value["chair_choice"], field="chair_choice", choices=COUNTED
        )
    return counts


def vote_open(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code="no_current_item")
    services.vote_open(
        item=sitting.current_item,
        kind=parse_text(message.get("kind"), field="kind", max_length=20),
        user=consumer.user,
        question=parse_text(message.get("question"), field="question", max_length=MAX_QUESTION),
        candidates=_members(sitting, parse_ids(message.get("candidates", []), field="candidates")),
        requests={k: parse_ids(message[k], field=k) for k in REQUEST_KINDS if k in message},
        chair=_member(sitting, message, "chair"),
    )


def vote_close(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    counts = counts_parse(message.get("counts"))
    confirm = parse_flag(message.get("confirm"), field="confirm", default=False)
    services.vote_close(
        vote=_vote(sitting, message), user=consumer.user, counts=counts, confirm=confirm
    )


def answer(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    services.answer_record(
        vote=_vote(sitting, message),
        member=_members(sitting, [parse_id(message.get("member"), field="member")])[0],
        choice=parse_text(message.get("choice"), field="choice", max_length=20),
        user=consumer.user,
    )


def next_round(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    ids = parse_ids(message.get("candidates", []), field="candidates")
    services.election_next_round(
        vote=_vote(sitting, message), user=consumer.user, candidates=_members(sitting, ids) or None
    )


def ballot(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> dict[str, object]:
    """A ballot in the voter's own name, or with "on_behalf_of" in the name of the member
    whose proxy they hold (R15): an id that is not a JSON integer naming a member of the
    assembly is refused, never read as the voter's own name."""
    voter = member_of(consumer.user, sitting.assembly_id)
    if voter is None:
        raise InvalidInput(_("Only a member of the council can vote."), code="not_member")
    receipt = services.ballot_cast(
        vote=_vote(sitting, message),
        voter=voter,
        choice=parse_text(message.get("choice"), field="choice", max_length=20),
        client_id=parse_text(message.get("client_id"), field="client_id", max_length=64),
        on_behalf_of=_member(sitting, message, "on_behalf_of"),
    )
    my_ballots_changed(sitting, voter)
    return receipt.as_dict()


def secret_request(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code="no_current_item")
    ids = parse_ids(message.get("requested_by"), field="requested_by")
    services.secret_request_record(
        item=sitting.current_item, requested_by=_members(sitting, ids), user=consumer.user
    )


def secret_waiver(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> dict[str, object]:
    """R18: the council waives the secret ballot of the current item unless a member
    present objects ("objectors": their ids, none for a unanimous waiver)."""
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code="no_current_item")
    ids = parse_ids(message.get("objectors", []), field="objectors")
    decision = services.secret_waiver_record(
        item=sitting.current_item, objectors=_members(sitting, ids), user=consumer.user
    )
    return {"waived": decision["waived"], "present": len(decision["present"])}


def closed_session_vote(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> dict[str, int]:
    """R25: open the council's vote on the closed session, asked by the members named in
    "requested_by" (present; the mayor alone suffices), by show of hands or electronically
    ("kind"). It closes like every vote ("vote_close", with the counts of a show of hands)."""
    ids = parse_ids(message.get("requested_by"), field="requested_by")
    vote = services.closed_session_vote_open(
        sitting=sitting,
        requested_by=present_requesters(sitting, ids, field="requested_by"),
        kind=parse_text(message.get("kind"), field="kind", max_length=20, default="hands"),
        user=consumer.user,
    )
    return {"vote": vote.id}


CHAIR_ACTIONS = {
    "closed_session_vote_open": closed_session_vote,
    "secret_request": secret_request,
    "secret_waiver": secret_waiver,
    "vote_open": vote_open,
    "vote_close": vote_close,
    "vote_answer": answer,
    "vote_next_round": next_round,
}
SEAT_ACTIONS = {"ballot": ballot}
