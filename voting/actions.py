"""Websocket actions of the voting app, mounted on the sitting's chair and seat surfaces.
Each parses a message and calls a service; errors are domain errors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from council.errors import InvalidInput
from council.parsing import (
    parse_choice,
    parse_count,
    parse_flag,
    parse_ids,
    parse_member,
    parse_members,
    parse_optional_member,
    parse_text,
)
from council.regime import MOTION_CHOICES
from sessions.models import Sitting
from sessions.services.requesters import present_requesters
from voting.errors import VotingErrorCode

from . import services
from .access import vote_in
from .services.opening import REQUEST_KINDS

COUNTED = MOTION_CHOICES  # what a show of hands counts: the regime's choices (R16)


MAX_QUESTION = 300
MAX_COUNT = 100_000


def counts_parse(value: object) -> dict[str, Any] | None:
    """The counts of a show of hands: for, against, abstain (whole numbers) and the chair's
    own choice for a casting vote (R16); absent: the ballots are counted."""
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {*COUNTED, "chair_choice"}:
        raise InvalidInput(
            _('"counts" must be an object of "for", "against", "abstain" and "chair_choice".'),
            code=VotingErrorCode.INVALID_FIELD,
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
        raise InvalidInput(_("Take up an item first."), code=VotingErrorCode.NO_CURRENT_ITEM)
    services.vote_open(
        item=sitting.current_item,
        kind=parse_text(message.get("kind"), field="kind", max_length=20),
        user=consumer.user,
        question=parse_text(message.get("question"), field="question", max_length=MAX_QUESTION),
        candidates=parse_members(
            sitting.assembly, message.get("candidates", []), field="candidates"
        ),
        requests={k: parse_ids(message[k], field=k) for k in REQUEST_KINDS if k in message},
        chair=parse_optional_member(sitting.assembly, message.get("chair"), field="chair"),
    )


def vote_close(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    counts = counts_parse(message.get("counts"))
    confirm = parse_flag(message.get("confirm"), field="confirm", default=False)
    services.vote_close(
        vote=vote_in(sitting, message.get("vote")),
        user=consumer.user,
        counts=counts,
        confirm=confirm,
    )


def answer(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    services.answer_record(
        vote=vote_in(sitting, message.get("vote")),
        member=parse_member(sitting.assembly, message.get("member")),
        choice=parse_text(message.get("choice"), field="choice", max_length=20),
        user=consumer.user,
    )


def next_round(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    candidates = parse_members(sitting.assembly, message.get("candidates", []), field="candidates")
    services.election_next_round(
        vote=vote_in(sitting, message.get("vote")),
        user=consumer.user,
        candidates=candidates or None,
    )


def secret_request(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> None:
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code=VotingErrorCode.NO_CURRENT_ITEM)
    ids = parse_ids(message.get("requested_by"), field="requested_by")
    services.secret_request_record(
        item=sitting.current_item,
        requested_by=parse_members(sitting.assembly, ids, field="requested_by"),
        user=consumer.user,
    )


def secret_waiver(consumer: Any, sitting: Sitting, message: dict[str, Any]) -> dict[str, object]:
    """R18: the council waives the secret ballot of the current item unless a member
    present objects ("objectors": their ids, none for a unanimous waiver)."""
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code=VotingErrorCode.NO_CURRENT_ITEM)
    ids = parse_ids(message.get("objectors", []), field="objectors")
    decision = services.secret_waiver_record(
        item=sitting.current_item,
        objectors=parse_members(sitting.assembly, ids, field="objectors"),
        user=consumer.user,
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
