"""What the voting services share: one check that no other vote is open, and the one
"opened" record of the vote log."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sessions.models import Sitting
from voting.errors import VotingErrorCode

from ..chain import record_append
from ..errors import VoteRefused
from ..models import Vote
from ..selectors import open_vote


def require_no_open_vote(sitting: Sitting) -> None:
    """One vote at a time in a sitting (the `one_open_vote` constraint): refused while
    another is open."""
    if open_vote(sitting) is not None:
        raise VoteRefused(_("Another vote is open."), code=VotingErrorCode.VOTE_ALREADY_OPEN)


def record_opened(vote: Vote, candidates: list[int]) -> None:
    """The vote log's "opened" record, what it freezes (R10-R11, R15-R22): the voices,
    the quorum, the candidates, the requests, the round, the chair and the council's
    waiver of the secret ballot with who was present (R18); a vote on the closed session
    (R25) says so."""
    payload: dict[str, Any] = {
        "item": vote.item_id,
        "kind": vote.kind,
        "eligible": vote.eligible,
        "quorum": vote.quorum,
        "candidates": candidates,
        "requests": vote.requests,
        "round": vote.round_no,
        "chair": vote.chair_id,
        "waiver": vote.waiver,
    }
    if vote.purpose == Vote.Purpose.CLOSED_SESSION:
        payload["purpose"] = vote.purpose
    record_append(vote=vote, kind="opened", payload=payload)
