"""Reads: presence, proxies, quorum and the speaking queue of a sitting (the live
snapshots that compose them with the vote: sessions.live.snapshots)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from council.models import Member
from council.regime import PARIS, regime_for

from .models import (
    AgendaItem,
    AttendanceEvent,
    Interest,
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
    """Whether one member is present now (their latest attendance event is an arrival),
    for the checks made on every raised hand."""
    return member_id in present_among(sitting, [member_id])


def present_among(sitting: Sitting, member_ids: Iterable[int]) -> set[int]:
    """Which of `member_ids` are present now (`is_present` of each, in one query: the
    ballots of a vote checked together)."""
    latest: dict[int, str] = {}
    events = AttendanceEvent.objects.filter(sitting=sitting, member_id__in=set(member_ids))
    for member_id, kind in events.order_by("at", "id").values_list("member_id", "kind"):
        latest[member_id] = kind
    return {mid for mid, kind in latest.items() if kind == AttendanceEvent.Kind.ARRIVAL}


def counted_present(sitting: Sitting, present: dict[int, AttendanceEvent]) -> set[int]:
    """R10, R26-R27: of the members `present`, those the regime counts by where they are
    (toward the quorum, and with a voice in a vote)."""
    return regime_for(sitting.assembly).counted(
        sitting.assembly,
        {mid: event.mode for mid, event in present.items()},
        teleconference=sitting.is_teleconference,
    )


def expelled_ids(sitting: Sitting) -> set[int]:
    """R24: the members the chair expelled from this sitting."""
    return set(
        PolicingMeasure.objects.filter(
            sitting=sitting, kind=PolicingMeasure.Kind.EXPULSION
        ).values_list("member_id", flat=True)
    )


def kept_out_ids(sitting: Sitting) -> set[int]:
    """R24: the members expelled from this sitting who may not come back into it, by the
    roll, the desk or their video (the regime says)."""
    return regime_for(sitting.assembly).kept_out(expelled_ids(sitting))


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


def usable_proxies(
    sitting: Sitting,
    present: dict[int, AttendanceEvent],
    covers: list[ProxyCover] | None = None,
    expelled: set[int] | None = None,
) -> list[ProxyCover]:
    """R14: a proxy is used only while its holder is present and its grantor is not.
    `covers` and `expelled`: the sitting's, when the caller has already read them."""
    regime = regime_for(sitting.assembly)
    if regime.expelled_proxy_usable:
        expelled = set()
    elif expelled is None:
        expelled = expelled_ids(sitting)  # R24
    covers = list(proxy_covers(sitting)) if covers is None else covers
    counted = counted_present(sitting, present) if covers else set()
    return [
        c
        for c in covers
        if regime.proxy_in_use(
            holder_counted=c.holder_id in counted, grantor_present=c.grantor_id in present
        )
        and c.grantor_id not in expelled
    ]


# What the facts' members are read for: the quorum counts them, the roll names them.
ROLL_FIELDS = ("id", "assembly_id", "first_name", "last_name", "role")


@dataclass
class SittingFacts:
    """What the reads of one sitting share, read once per snapshot or event."""

    in_office: dict[int, Member]  # their ROLL_FIELDS only
    present: dict[int, AttendanceEvent]
    covers: list[ProxyCover]
    usable: list[ProxyCover]
    expelled: set[int] = field(default_factory=set)  # R24: expelled_ids(sitting)


def sitting_facts(sitting: Sitting) -> SittingFacts:
    """One read of each: the live snapshots build three audiences' views from these."""
    present = presence(sitting)
    covers = list(proxy_covers(sitting))
    expelled = expelled_ids(sitting)
    in_office = members_in_office(sitting).select_related(None).only(*ROLL_FIELDS)
    return SittingFacts(
        in_office={m.id: m for m in in_office},
        present=present,
        covers=covers,
        usable=usable_proxies(sitting, present, covers, expelled),
        expelled=expelled,
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


def item_interests(item: AgendaItem) -> list[Interest]:
    """The interests declared on an item, with their members, in order."""
    return list(item.interests.select_related("member"))


def quorum_for(
    sitting: Sitting,
    item: AgendaItem | None = None,
    facts: SittingFacts | None = None,
    interests: list[Interest] | None = None,
) -> QuorumStatus:
    """R10-R13, R26-R27: who counts, explained in words. `interests`: the item's
    (item_interests), when the caller has already read them."""
    regime = regime_for(sitting.assembly)
    facts = facts or sitting_facts(sitting)
    in_office, present = facts.in_office, facts.present
    counted_ids = {mid for mid in counted_present(sitting, present) if mid in in_office}
    excluded: list[str] = []
    if item is not None:
        for interest in item_interests(item) if interests is None else interests:
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
