"""Vote events: the sitting's snapshots carry the vote, so every page follows it."""

from __future__ import annotations

from council.events import send_event_on_commit
from sessions.realtime import broadcast, private_group, public_group

from .models import Vote
from .selectors import voted_ids


def vote_broadcast(vote: Vote, event: str) -> None:
    broadcast(vote.sitting, f"voting.{event}", vote=vote.id)


def ballot_broadcast(vote: Vote, member_id: int) -> None:
    """A light event per ballot (no snapshot): the count, and for a public vote who voted."""
    voted = voted_ids(vote)
    data = {"vote": vote.id, "cast": len(voted)}
    private = {**data, "voted": [] if vote.is_secret else voted}
    send_event_on_commit(private_group(vote.sitting_id), "voting.ballot_cast", {"data": private})
    if not vote.sitting.in_closed_session:
        send_event_on_commit(public_group(vote.sitting_id), "voting.ballot_cast", {"data": data})
