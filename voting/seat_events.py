"""The councillor's own devices: every seat page of one member follows the ballots cast
in their names (own and by proxy), so a second device drops its buttons at once."""

from __future__ import annotations

from collections.abc import Iterable

from council.events import frame_text
from council.models import Member
from sessions.models import Sitting

from .models import Vote
from .selectors import current_vote, my_ballots_of


def seat_group(sitting_id: int, member_id: int) -> str:
    return f"sitting-{sitting_id}-seat-{member_id}"


def my_ballots_frames(
    sitting: Sitting, voters: Iterable[Member], vote: Vote | None = None
) -> list[tuple[str, str]]:
    """For each voter, the group of their seat pages and the frame telling them the names
    in which they have voted in the current vote (`vote`, the open one they have just voted
    in, when the caller has it), never the choices: a secret ballot's choice is shown only
    by the device that cast it, from its own memory. One query for all the voters of a
    batch."""
    voters = list(voters)
    vote = vote or current_vote(sitting)
    names = {} if vote is None else my_ballots_of(vote, [v.id for v in voters])
    vote_id = vote.id if vote else None
    return [
        (
            seat_group(sitting.id, voter.id),
            frame_text(
                "voting.my_ballots",
                {"data": {"vote": vote_id, "my_ballots": names.get(voter.id, [])}},
            ),
        )
        for voter in voters
    ]
