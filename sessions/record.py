"""The sitting's record, as the public page shows it once the sitting is closed: the
result of every vote, the deliberations (R30, R31) with their PDFs once published, the
archive page and the replay (R34), or that the replay is being prepared."""

from __future__ import annotations

from dataclasses import dataclass, field

from streaming.models import Broadcast, Replay
from streaming.selectors import replay_for
from voting.models import Vote

from .models import Deliberation, PolicingMeasure, Sitting


@dataclass
class ItemRecord:
    position: int
    title: str
    votes: list[Vote] = field(default_factory=list)  # closed, in order


@dataclass
class SittingRecord:
    closed: bool
    items: list[ItemRecord]
    deliberations: list[Deliberation]
    replay: str  # "ready", "pending", "failed" or "none" (never broadcast)
    policing: list[PolicingMeasure] = field(default_factory=list)  # R24, in order


def replay_state(sitting: Sitting) -> str:
    """What the record says of the replay: a link once it is ready; "pending" while the
    broadcast ends and the replay is built (or the build is to be tried again); "none"
    for a sitting that was never broadcast."""
    if replay_for(sitting) is not None:
        return "ready"
    replay = Replay.objects.filter(sitting=sitting).first()
    if replay is not None:
        return "pending" if replay.state == Replay.State.PENDING else "failed"  # or its file gone
    running = Broadcast.objects.filter(
        sitting=sitting, started_at__isnull=False, state__in=Broadcast.RUNNING
    )
    return "pending" if running.exists() else "none"


def sitting_record(sitting: Sitting) -> SittingRecord:
    """Every closed vote by item, in the agenda's order; the deliberations recorded at
    the close (sessions.minutes.services.deliberations_record)."""
    if sitting.state != Sitting.State.CLOSED:
        return SittingRecord(closed=False, items=[], deliberations=[], replay="none")
    votes: dict[int, list[Vote]] = {}
    closed = Vote.objects.filter(sitting=sitting, state=Vote.State.CLOSED).order_by("id")
    for vote in closed:
        if vote.item_id is not None:  # the vote on the closed session (R25) has no item
            votes.setdefault(vote.item_id, []).append(vote)
    items = [
        ItemRecord(item.position, item.title, votes[item.pk])
        for item in sitting.items.order_by("position")
        if item.pk in votes
    ]
    deliberations = list(sitting.deliberations.select_related("publication").order_by("number"))
    policing = list(sitting.policing.select_related("member"))
    return SittingRecord(True, items, deliberations, replay_state(sitting), policing)
