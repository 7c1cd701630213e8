"""Vote events: the sitting's snapshots carry the vote, so every page follows it."""

from __future__ import annotations

from council.events import send_event_on_commit
from sessions.realtime import broadcast, desk_group, private_group

from .models import Vote
from .selectors import voted_ids

# Seats get the running count this many times per vote, not per ballot, and viewers only
# the result: a ballot event to 1,150 clients, 150 times over, holds back everything else.
COUNT_UPDATES = 4


def vote_broadcast(vote: Vote, event: str) -> None:
    broadcast(vote.sitting, f"voting.{event}", vote=vote.id)


def ballot_broadcast(vote: Vote, member_id: int) -> None:
    """Each ballot to the chair's desk (the count, and for a public vote who voted); the
    count to the seats at every quarter of the voices and at the last one."""
    voted = voted_ids(vote)
    data = {"vote": vote.id, "cast": len(voted)}
    desk = {**data, "voted": [] if vote.is_secret else voted}
    send_event_on_commit(desk_group(vote.sitting_id), "voting.ballot_cast", {"data": desk})
    voices = len(vote.eligible)
    step = max(1, voices // COUNT_UPDATES)
    if len(voted) % step and len(voted) != voices:
        return
    send_event_on_commit(private_group(vote.sitting_id), "voting.ballot_cast", {"data": data})
