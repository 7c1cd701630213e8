"""Deprecated: the votes' events are typed domain events now (council.domain_events:
VoteOpened, VoteClosed, BallotCast), their live fan-out in sessions.live. Kept only until
the last services committed with the old calls are committed with the events."""

from __future__ import annotations

from council.domain_events import BallotCast, event_class, publish

from .models import Vote


def vote_broadcast(vote: Vote, event: str) -> None:
    publish(event_class(f"voting.{event}")(vote.sitting_id, vote=vote.id))  # type: ignore[call-arg]


def ballot_broadcast(vote: Vote, member_id: int) -> None:
    publish(BallotCast(vote.sitting_id, vote=vote.id, member=member_id))
