"""The live snapshots of a sitting, one per audience: the chair's desk (everything), the
seats (the desk's without the roll and the proxies) and the public page (what a public
sitting shows). They compose the sitting's reads (sessions.selectors) with its vote's
(voting.selectors), which is why they live above both. Built after the commit by the
fan-out, and on demand by the pages and the sockets that resynchronise on reconnect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from voting.selectors import public_part, vote_summary

from ..models import AgendaItem, Interest, Sitting, SpeakingRequest
from ..realtime import seat_view
from ..selectors import (
    QuorumStatus,
    SittingFacts,
    item_interests,
    policing,
    quorum_for,
    sitting_facts,
    speaking_queue,
)

VoteSummary = dict[str, Any] | None


@dataclass(frozen=True)
class Snapshots:
    desk: dict[str, Any]
    seats: dict[str, Any]
    public: dict[str, Any]


def snapshots(sitting: Sitting, facts: SittingFacts | None = None) -> Snapshots:
    """The three audiences' snapshots, from one read of the sitting and of its vote."""
    facts = facts or sitting_facts(sitting)
    vote, shown = _votes(sitting)
    current = _items_and_quorum(sitting, facts)
    public = _public(sitting, facts, current, shown)
    desk = _desk(sitting, facts, current, public, vote)
    return Snapshots(desk=desk, seats=seat_view(desk), public=public)


def vote_patches(sitting: Sitting) -> Snapshots:
    """What a change of the vote alone (its close) changes in each audience's snapshot,
    by the snapshots' own rules: the vote and its count, each key a path into the snapshot
    ("counts.vote": the "vote" key of its "counts"). One read of the vote, none of the
    rest of the sitting."""
    vote, shown = _votes(sitting)
    desk = {"vote": vote, "counts.vote": None if vote is None else vote["count"]}
    public = {"vote": shown, "counts.vote": None if shown is None else shown["count"]}
    return Snapshots(desk=desk, seats=seat_view(desk), public=public)


def _votes(sitting: Sitting) -> tuple[VoteSummary, VoteSummary]:
    """The current vote as the desk and the seats see it, and as the public does (R25:
    none in closed session)."""
    vote = vote_summary(sitting, public=False)
    return vote, None if sitting.in_closed_session else public_vote(vote)


def public_snapshot(sitting: Sitting, facts: SittingFacts | None = None) -> dict[str, Any]:
    """What anyone may see: no personal data beyond what a public sitting shows."""
    facts = facts or sitting_facts(sitting)
    vote = None if sitting.in_closed_session else vote_summary(sitting, public=True)
    return _public(sitting, facts, _items_and_quorum(sitting, facts), vote)


def chair_snapshot(sitting: Sitting, facts: SittingFacts | None = None) -> dict[str, Any]:
    """Everything the chair, the staff and the councillors see live."""
    return snapshots(sitting, facts).desk


def public_vote(vote: VoteSummary) -> VoteSummary:
    """The public part of the private vote summary (as vote_summary(public=True))."""
    return public_part(vote)


@dataclass(frozen=True)
class Current:
    """What the audiences' snapshots share, each read once: the agenda, the item under
    discussion with its declared interests, the quorum on it (R11) and the speaking queue."""

    items: list[AgendaItem]
    item: AgendaItem | None
    interests: list[Interest]
    quorum: QuorumStatus
    queue: list[SpeakingRequest]


def _items_and_quorum(sitting: Sitting, facts: SittingFacts) -> Current:
    items = list(sitting.items.select_related("rapporteur"))
    item = next((i for i in items if i.id == sitting.current_item_id), None)
    interests = [] if item is None else item_interests(item)
    quorum = quorum_for(sitting, item, facts, interests)
    return Current(items, item, interests, quorum, list(speaking_queue(sitting)))


def _desk(
    sitting: Sitting,
    facts: SittingFacts,
    current: Current,
    public: dict[str, Any],
    vote: VoteSummary,
) -> dict[str, Any]:
    """The chair's snapshot: the public one with the roll, the proxies, the queue and the
    whole vote, whatever the closed session hides from the public."""
    desk = {**public, "counts": dict(public["counts"])}
    item = current.item
    desk["current_item"] = None if item is None else _item_dict(item)
    if item is not None:
        desk["current_item"]["interests"] = [i.member_id for i in current.interests]
    desk["members"] = _roll(facts, facts.expelled)
    desk["proxies"] = _proxies(facts)
    desk["queue"] = [_request_dict(r) for r in current.queue]
    desk["quorum"] = current.quorum.as_dict()
    desk["secretary"] = sitting.secretary.full_name if sitting.secretary else None
    desk["chair"] = sitting.chair.full_name if sitting.chair else None
    desk["chair_id"] = sitting.chair_id  # who presides (R24: not in the policing list)
    if sitting.in_closed_session:  # the members see it all the same
        desk["policing"] = policing(sitting)
    desk["vote"] = vote
    if vote is not None:
        desk["counts"]["vote"] = vote["count"]
    desk["urgency"] = {"declared": sitting.urgency, "accepted": sitting.urgency_accepted}
    return desk


def _public(
    sitting: Sitting,
    facts: SittingFacts,
    current: Current,
    vote: VoteSummary,
) -> dict[str, Any]:
    items, item, quorum = current.items, current.item, current.quorum
    represented = len(facts.usable)
    closed = sitting.in_closed_session
    speaking = (r for r in current.queue if r.state == SpeakingRequest.State.SPEAKING)
    speaker = None if closed else next(speaking, None)
    return {
        "sitting": {
            "id": sitting.id,
            "title": sitting.title,
            "state": sitting.state,
            "state_label": sitting.get_state_display(),
            "in_closed_session": closed,
            "starts_at": sitting.starts_at.isoformat(),
        },
        "current_item": None if closed or item is None else _item_dict(item),
        "items": [_item_dict(i) for i in items],
        "attendance": {
            "in_office": quorum.in_office,
            "present": quorum.present,
            "represented": represented,
            "absent": max(quorum.in_office - quorum.present - represented, 0),
        },
        "quorum": {"reached": quorum.reached, "explanation": quorum.explanation},
        "speaker": None if speaker is None else {"name": speaker.member.full_name},
        "policing": [] if closed else policing(sitting),
        "vote": vote,
        "counts": sitting_counts(quorum, represented, vote),
        "server_time": timezone.now().isoformat(),
    }


def sitting_counts(quorum: QuorumStatus, represented: int, vote: VoteSummary) -> dict[str, Any]:
    """The numbers every audience shows, computed once per event (issue 15, "one truth"):
    members in office, present, represented, absent, the quorum (R10-R13) and the vote's
    count (voices, ballots received). The chair's, the seats' and the public snapshots
    carry this same dict."""
    return {
        "in_office": quorum.in_office,
        "present": quorum.present,
        "represented": represented,
        "absent": max(quorum.in_office - quorum.present - represented, 0),
        "quorum": {
            "counted": quorum.counted,
            "needed": quorum.needed,
            "reached": quorum.reached,
            "explanation": quorum.explanation,
        },
        "vote": None if vote is None else vote["count"],
    }


def _roll(facts: SittingFacts, expelled: set[int]) -> list[dict[str, Any]]:
    roll = []
    for m in facts.in_office.values():
        event = facts.present.get(m.id)
        roll.append(
            {
                "id": m.id,
                "name": m.full_name,
                "role": m.role,
                "present": event is not None,
                "mode": event.mode if event else None,
                "room": event.room.name if event and event.room else None,
                "since": event.at.isoformat() if event else None,
                "expelled": m.id in expelled,
            }
        )
    return roll


def _proxies(facts: SittingFacts) -> list[dict[str, Any]]:
    used = {c.id for c in facts.usable}
    return [
        {
            "id": c.proxy_id,
            "grantor_id": c.grantor_id,
            "grantor": c.grantor.full_name,
            "holder_id": c.holder_id,
            "holder": c.holder.full_name,
            "in_use": c.id in used,
        }
        for c in facts.covers
    ]


def _item_dict(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "title": item.title,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "state": item.state,
        "state_label": item.get_state_display(),
        "rapporteur": item.rapporteur.full_name if item.rapporteur else None,
    }


def _request_dict(r: SpeakingRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "member_id": r.member_id,
        "name": r.member.full_name,
        "state": r.state,
        "requested_at": r.requested_at.isoformat(),
        "started_at": r.started_at.isoformat() if r.started_at else None,
    }
