"""The councillor's own devices: every seat page of one member follows the ballots cast
in their names (own and by proxy), so a second device drops its buttons at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from council.events import each_message, frame_text
from council.models import Member
from sessions.models import Sitting

from .models import Vote
from .selectors import current_vote, my_ballots_of


def seats_own_group(sitting_id: int) -> str:
    """The group of every seat page of the sitting, each taking its own member's frames
    (council.events.each_message)."""
    return f"sitting-{sitting_id}-own"


def my_ballots_message(
    sitting: Sitting,
    voters: Iterable[Member],
    vote: Vote | None = None,
    skip: Iterable[str] = (),
) -> dict[str, Any]:
    """One message for the voters' seat pages: for each voter, the frame telling their
    pages the names in which they have voted in the current vote (`vote`, the open one
    they have just voted in, when the caller has it), never the choices: a secret ballot's
    choice is shown only by the device that cast it, from its own memory. None for the
    sockets in `skip`. One query for all the voters of a batch."""
    voters = list(voters)
    vote = vote or current_vote(sitting)
    names = {} if vote is None else my_ballots_of(vote, [v.id for v in voters])
    vote_id = vote.id if vote else None
    texts = {
        str(voter.id): frame_text(
            "voting.my_ballots",
            {"data": {"vote": vote_id, "my_ballots": names.get(voter.id, [])}},
        )
        for voter in voters
    }
    return each_message(texts, list(skip))
