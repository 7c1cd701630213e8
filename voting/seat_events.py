"""The councillor's own devices: every seat page of one member follows the ballots cast
in their names (own and by proxy), so a second device drops its buttons at once."""

from __future__ import annotations

from council.events import send_event_on_commit
from council.models import Member
from sessions.models import Sitting

from .selectors import current_vote, my_ballots


def seat_group(sitting_id: int, member_id: int) -> str:
    return f"sitting-{sitting_id}-seat-{member_id}"


def my_ballots_changed(sitting: Sitting, voter: Member) -> None:
    """The names in which `voter` has voted in the current vote, never the choices: a
    secret ballot's choice is shown only by the device that cast it, from its own memory."""
    vote = current_vote(sitting)
    data = {"vote": vote.id if vote else None, "my_ballots": my_ballots(sitting, voter)}
    send_event_on_commit(seat_group(sitting.id, voter.id), "voting.my_ballots", {"data": data})
