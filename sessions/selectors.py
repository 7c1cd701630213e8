"""Reads: presence, proxies, quorum and the live snapshots of a sitting."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from council.models import Member
from council.regime import PARIS, regime_for

from .models import (
    AgendaItem,
    AttendanceEvent,
    PolicingMeasure,
    ProxyCover,
    Sitting,
    SpeakingRequest,
)


def sitting_day(sitting: Sitting):  # type: ignore[no-untyped-def]
    return sitting.starts_at.astimezone(PARIS).date()


@dataclass
class SittingDates:
    """R2, R28: the day the sitting was held (the day it opened, else the day it was
    convened for) and the convened day; the minutes, the archive and the PDFs use these."""

    held_at: datetime.datetime
    convened_for: datetime.datetime
    differs: bool


def sitting_dates(sitting: Sitting) -> SittingDates:
    held = sitting.opened_at or sitting.starts_at
    differs = held.astimezone(PARIS).date() != sitting.starts_at.astimezone(PARIS).date()
    return SittingDates(held_at=held, convened_for=sitting.starts_at, differs=differs)


def members_in_office(sitting: Sitting) -> QuerySet[Member]:
    day = sitting_day(sitting)
    return (
        Member.objects.filter(assembly_id=sitting.assembly_id, mandate_start__lte=day)
        .exclude(mandate_end__lt=day)
        .select_related("commune")
        .order_by("last_name", "first_name")
    )


def presence(sitting: Sitting) -> dict[int, AttendanceEvent]:
    """Members present now: member id -> their latest arrival."""
    latest: dict[int, AttendanceEvent] = {}
    for event in AttendanceEvent.objects.filter(sitting=sitting).select_related("room"):
        latest[event.member_id] = event
    return {mid: e for mid, e in latest.items() if e.kind == AttendanceEvent.Kind.ARRIVAL}


def is_present(sitting: Sitting, member_id: int) -> bool:
    """Whether one member is present now (their latest attendance event is an arrival):
    one indexed row, for the checks made on every ballot and every raised hand."""
    kind = (
        AttendanceEvent.objects.filter(sitting=sitting, member_id=member_id)
        .order_by("-at", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    return kind == AttendanceEvent.Kind.ARRIVAL


def expelled_ids(sitting: Sitting) -> set[int]:
    """R24: the members the chair expelled from this sitting."""
    return set(
        PolicingMeasure.objects.filter(
            sitting=sitting, kind=PolicingMeasure.Kind.EXPULSION
        ).values_list("member_id", flat=True)
    )


def policing(sitting: Sitting) -> list[dict[str, Any]]:
    """R24: the chair's calls to order and expulsions, in order, as every page shows them
    (the minutes are public: names, times and reasons)."""
    return [
        {
            "id": p.id,
            "kind": p.kind,
            "label": p.get_kind_display(),
            "member_id": p.member_id,
            "name": p.member.full_name,
            "reason": p.reason,
            "at": p.at.isoformat(),
        }
        for p in PolicingMeasure.objects.filter(sitting=sitting).select_related("member")
    ]


def proxy_covers(sitting: Sitting) -> QuerySet[ProxyCover]:
    return ProxyCover.objects.filter(sitting=sitting, active=True).select_related(
        "grantor", "holder", "proxy"
    )


def usable_proxies(sitting: Sitting, present: dict[int, AttendanceEvent]) -> list[ProxyCover]:
    """R14: a proxy is used only while its holder is present and its grantor is not."""
    regime = regime_for(sitting.assembly)
    expelled = set() if regime.expelled_proxy_usable else expelled_ids(sitting)  # R24
    return [
        c
        for c in proxy_covers(sitting)
        if regime.proxy_in_use(
            holder_counted=c.holder_id in present
            and regime.counts_toward_quorum(
                sitting.assembly, present[c.holder_id].mode, sitting.is_teleconference
            ),
            grantor_present=c.grantor_id in present,
        )
        and c.grantor_id not in expelled
    ]


@dataclass
class SittingFacts:
    """What the reads of one sitting share, read once per snapshot or event."""

    in_office: dict[int, Member]
    present: dict[int, AttendanceEvent]
    covers: list[ProxyCover]
    usable: list[ProxyCover]


def sitting_facts(sitting: Sitting) -> SittingFacts:
    present = presence(sitting)
    return SittingFacts(
        in_office={m.id: m for m in members_in_office(sitting)},
        present=present,
        covers=list(proxy_covers(sitting)),
        usable=usable_proxies(sitting, present),
    )


@dataclass
class QuorumStatus:
    in_office: int
    present: int
    counted: int
    needed: int
    reached: bool
    exempt: bool
    excluded: list[str] = field(default_factory=list)
    explanation: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def quorum_for(
    sitting: Sitting, item: AgendaItem | None = None, facts: SittingFacts | None = None
) -> QuorumStatus:
    """R10-R13, R26-R27: who counts, explained in words."""
    regime = regime_for(sitting.assembly)
    facts = facts or sitting_facts(sitting)
    in_office, present = facts.in_office, facts.present
    tele = sitting.is_teleconference
    counted_ids = {
        mid
        for mid, e in present.items()
        if mid in in_office and regime.counts_toward_quorum(sitting.assembly, e.mode, tele)
    }
    excluded: list[str] = []
    if item is not None:
        for interest in item.interests.select_related("member"):
            if interest.member_id in counted_ids:
                counted_ids.discard(interest.member_id)
                excluded.append(interest.member.full_name)
    counted = len(counted_ids)
    if regime.quorum_counts_represented:
        counted += len(facts.usable)
    needed = regime.quorum_needed(len(in_office))
    exempt = _quorum_exempt(sitting, item)
    reached = exempt or counted >= needed
    return QuorumStatus(
        in_office=len(in_office),
        present=len(present),
        counted=counted,
        needed=needed,
        reached=reached,
        exempt=exempt,
        excluded=excluded,
        explanation=_explain(len(in_office), counted, needed, exempt, excluded),
    )


def _quorum_exempt(sitting: Sitting, item: AgendaItem | None) -> bool:
    """R12: on a second convocation, the items carried over need no quorum (the regime
    says); the sitting as a whole when it carries nothing else."""
    second = sitting.second_convocation_of_id is not None
    if item is None:
        carried = second and not sitting.items.filter(carried_from__isnull=True).exists()
    else:
        carried = item.carried_from_id is not None
    return regime_for(sitting.assembly).quorum_exempt(
        second_convocation=second, carried_over=carried
    )


def _explain(in_office: int, counted: int, needed: int, exempt: bool, excluded: list[str]) -> str:
    text = _("%(counted)s of %(in_office)s in office present, %(needed)s needed") % {
        "counted": counted,
        "in_office": in_office,
        "needed": needed,
    }
    if excluded:
        text += " " + ngettext(
            "(%(n)s member with a declared interest left out)",
            "(%(n)s members with a declared interest left out)",
            len(excluded),
        ) % {"n": len(excluded)}
    if exempt:
        text += " — " + _("second convocation: no quorum required")
    return text


def speaking_queue(sitting: Sitting) -> QuerySet[SpeakingRequest]:
    return SpeakingRequest.objects.filter(
        sitting=sitting, state__in=[SpeakingRequest.State.WAITING, SpeakingRequest.State.SPEAKING]
    ).select_related("member")


def _vote_summary(sitting: Sitting, *, public: bool) -> dict[str, Any] | None:
    from voting.selectors import vote_summary  # voting builds on sittings, not the reverse

    return vote_summary(sitting, public=public)


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


def sitting_counts(
    quorum: QuorumStatus, represented: int, vote: dict[str, Any] | None
) -> dict[str, Any]:
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


def public_snapshot(sitting: Sitting, facts: SittingFacts | None = None) -> dict[str, Any]:
    """What anyone may see: no personal data beyond what a public sitting shows."""
    facts = facts or sitting_facts(sitting)
    items = list(sitting.items.select_related("rapporteur"))
    current = next((i for i in items if i.id == sitting.current_item_id), None)
    quorum = quorum_for(sitting, current, facts)
    represented = len(facts.usable)
    closed = sitting.in_closed_session
    speaker = None if closed else speaking_queue(sitting).filter(state="speaking").first()
    vote = None if closed else _vote_summary(sitting, public=True)
    return {
        "sitting": {
            "id": sitting.id,
            "title": sitting.title,
            "state": sitting.state,
            "state_label": sitting.get_state_display(),
            "in_closed_session": closed,
            "starts_at": sitting.starts_at.isoformat(),
        },
        "current_item": None if closed or current is None else _item_dict(current),
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


def chair_snapshot(sitting: Sitting, facts: SittingFacts | None = None) -> dict[str, Any]:
    """Everything the chair, the staff and the councillors see live."""
    facts = facts or sitting_facts(sitting)
    snap = public_snapshot(sitting, facts)
    present, covers = facts.present, facts.covers
    used = {c.id for c in facts.usable}
    current = sitting.current_item
    members = []
    expelled = expelled_ids(sitting)
    for m in facts.in_office.values():
        event = present.get(m.id)
        members.append(
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
    snap["current_item"] = None if current is None else _item_dict(current)
    if current is not None:
        snap["current_item"]["interests"] = list(
            current.interests.values_list("member_id", flat=True)
        )
    snap["members"] = members
    snap["proxies"] = [
        {
            "id": c.proxy_id,
            "grantor_id": c.grantor_id,
            "grantor": c.grantor.full_name,
            "holder_id": c.holder_id,
            "holder": c.holder.full_name,
            "in_use": c.id in used,
        }
        for c in covers
    ]
    snap["queue"] = [_request_dict(r) for r in speaking_queue(sitting)]
    snap["quorum"] = quorum_for(sitting, current, facts).as_dict()
    snap["secretary"] = sitting.secretary.full_name if sitting.secretary else None
    snap["chair"] = sitting.chair.full_name if sitting.chair else None
    if sitting.in_closed_session:  # the members see it all the same
        snap["policing"] = policing(sitting)
    snap["vote"] = _vote_summary(sitting, public=False)
    if snap["vote"] is not None:
        snap["counts"]["vote"] = snap["vote"]["count"]
    snap["urgency"] = {"declared": sitting.urgency, "accepted": sitting.urgency_accepted}
    return snap
