"""The procès-verbal drafted from the sitting's own records (R28).

`minutes_draft` reads the sitting, its attendance log, proxies, journal and votes, and
returns plain data (JSON-ready) that the pages and the PDF render. Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.translation import gettext as _

from council.regime import PARIS, Regime, regime_for
from council.words import day_date
from voting.chain import sitting_anchor, vote_anchor
from voting.models import Vote

from ..models import (
    AgendaItem,
    AttendanceEvent,
    DebateSummary,
    Deliberation,
    Minutes,
    PolicingMeasure,
    ProxyCover,
    Sitting,
    SittingLog,
)
from ..selectors import members_in_office, sitting_dates


def numbered(position: int, title: str) -> str:
    """ "3. Budget": the item's number once, even when its title already begins with it
    ("1. Décision modificative" stays "1. Décision modificative", never "1. 1. …")."""
    match = re.match(r"^\s*(\d+)\s*[.)°-]\s*", title)
    if match and int(match.group(1)) == position:
        title = title[match.end() :]
    return f"{position}. {title}"


def _time(at: datetime.datetime | None) -> str:
    return at.astimezone(PARIS).strftime("%H:%M") if at else ""


def _when(at: datetime.datetime | None) -> str:
    return day_date(at.astimezone(PARIS), "l j F Y") if at else ""


def _attendance(sitting: Sitting) -> dict[str, list[dict[str, Any]]]:
    """Present (with every arrival and departure), represented (by whom) and absent."""
    in_office = {m.id: m for m in members_in_office(sitting)}
    movements: dict[int, list[AttendanceEvent]] = {}
    for event in AttendanceEvent.objects.filter(sitting=sitting).select_related("room"):
        movements.setdefault(event.member_id, []).append(event)
    expulsions = set(
        PolicingMeasure.objects.filter(sitting=sitting, departure__isnull=False).values_list(
            "departure_id", flat=True
        )
    )
    covers = {
        c.grantor_id: c
        for c in ProxyCover.objects.filter(sitting=sitting, active=True).select_related("holder")
    }
    present, represented, absent = [], [], []
    for mid, member in in_office.items():
        events = movements.get(mid, [])
        if events:
            present.append(
                {
                    "name": member.full_name,
                    "movements": [
                        {
                            # R24: the departure an expulsion made says so.
                            "kind": "expulsion" if e.id in expulsions else e.kind,
                            "label": _("Expelled") if e.id in expulsions else e.get_kind_display(),
                            "at": _time(e.at),
                            "where": e.room.name if e.room else e.get_mode_display(),
                        }
                        for e in events
                    ],
                }
            )
        if mid in covers and not any(e.kind == "arrival" for e in events):
            represented.append({"name": member.full_name, "by": covers[mid].holder.full_name})
        elif not events:
            absent.append({"name": member.full_name})
    return {"present": present, "represented": represented, "absent": absent}


def _journal(sitting: Sitting) -> list[SittingLog]:
    return list(SittingLog.objects.filter(sitting=sitting).order_by("at", "id"))


def _quorum_at(journal: list[SittingLog], kind: str, **match: Any) -> str:
    for entry in journal:
        if entry.kind == kind and all(entry.data.get(k) == v for k, v in match.items()):
            return str(entry.data.get("quorum", {}).get("explanation", ""))
    return ""


def _vote_dict(vote: Vote) -> dict[str, Any]:
    result = vote.result or {}
    requests = {k: len(set(v)) for k, v in (vote.requests or {}).items() if v}
    return {
        "kind": vote.get_kind_display(),
        "secret": vote.is_secret,
        "round": vote.round_no,
        "question": vote.question,
        "requests": requests,
        "secret_waived": vote.secret_waived,
        # R18: the council's unanimous waiver, with who was present (voting/services/waiver).
        "waiver": vote.waiver,
        "quorum": (vote.quorum or {}).get("explanation", ""),
        "adopted": vote.adopted,
        "result": result,
        # R31: the vote log's hash at the close, published outside the database.
        "anchor": vote_anchor(vote.pk),
    }


def _policing(sitting: Sitting) -> list[dict[str, str]]:
    """R24: the chair's calls to order and expulsions, with their time and reason."""
    return [
        {
            "kind": p.kind,
            "label": p.get_kind_display(),
            "name": p.member.full_name,
            "at": _time(p.at),
            "reason": p.reason,
            "item": numbered(p.item.position, p.item.title) if p.item else "",
        }
        for p in PolicingMeasure.objects.filter(sitting=sitting).select_related("member", "item")
    ]


def _postponed_reason(item: AgendaItem, journal: list[SittingLog]) -> str:
    """R27, R7, R12: why an item was not taken up or not decided."""
    kinds = {e.kind for e in journal}
    if any(
        e.kind == "secret_ballot_requested"
        and e.data.get("item") == item.id
        and e.data.get("postponed")
        for e in journal
    ):
        return _(
            "a secret ballot was requested in a sitting held by teleconference: the "
            "item is postponed to a sitting held in one place (R27)"
        )
    if any(e.kind == "urgency_decided" and not e.data.get("accepted") for e in journal):
        return _("the council rejected the urgency (R7)")
    if "adjourned_no_quorum" in kinds:
        return _("the sitting was adjourned for lack of quorum (R12)")
    return ""


def _carried_to(item: AgendaItem) -> str:
    later = (
        AgendaItem.objects.filter(carried_from=item).select_related("sitting").order_by("id").last()
    )
    if later is None:
        return ""
    return _("carried to the agenda of “%(title)s” of %(date)s") % {
        "title": later.sitting.title,
        "date": _when(later.sitting.starts_at),
    }


def _not_voted(item: AgendaItem, regime: Regime, teleconference: bool) -> str:
    """R27: an item that lawfully could not be voted in this sitting."""
    if regime.vote_lawful(item.kind, teleconference=teleconference):
        return ""
    return _("This item could not be voted in a sitting held by teleconference (R27).")


def _items(
    sitting: Sitting, minutes: Minutes | None, journal: list[SittingLog]
) -> list[dict[str, Any]]:
    summaries = (
        {s.item_id: s.text for s in DebateSummary.objects.filter(minutes=minutes)}
        if minutes
        else {}
    )
    numbers = {d.item_id: d.identifier for d in Deliberation.objects.filter(sitting=sitting)}
    votes: dict[int, list[Vote]] = {}
    for vote in Vote.objects.filter(
        sitting=sitting, state=Vote.State.CLOSED, item__isnull=False
    ).order_by("id"):
        votes.setdefault(vote.item_id or 0, []).append(vote)
    items = []
    regime, tele = regime_for(sitting.assembly), sitting.is_teleconference
    for item in AgendaItem.objects.filter(sitting=sitting).select_related("rapporteur"):
        postponed = item.state == AgendaItem.State.POSTPONED
        items.append(
            {
                "id": item.id,
                "position": item.position,
                "title": item.title,
                "heading": numbered(item.position, item.title),
                "kind": item.get_kind_display(),
                "kind_code": item.kind,
                "state": item.state,
                "state_label": item.get_state_display(),
                "rapporteur": item.rapporteur.full_name if item.rapporteur else "",
                "report": item.summary,
                "quorum": _quorum_at(journal, "item_taken_up", item=item.id),
                "deliberation": numbers.get(item.id, ""),
                "votes": [_vote_dict(v) for v in votes.get(item.id, [])],
                "debate": summaries.get(item.id, ""),
                "postponed_reason": _postponed_reason(item, journal) if postponed else "",
                "carried_to": _carried_to(item) if postponed else "",
                "not_voted": _not_voted(item, regime, tele),
            }
        )
    return items


def _closed_session_votes(sitting: Sitting) -> list[dict[str, Any]]:
    """R25: each vote of the council on the closed session, at its close, with its result
    and its hash in the vote log; adopted, the closed session runs from then."""
    closed = Vote.objects.filter(
        sitting=sitting, purpose=Vote.Purpose.CLOSED_SESSION, state=Vote.State.CLOSED
    )
    names = {m.id: m.full_name for m in sitting.assembly.members.all()}
    return [
        {
            **_vote_dict(v),
            "requests": {},  # not a request for a type of vote: who asked for the huis clos
            "requested_by": [names.get(i, "") for i in v.requests.get("closed_session", [])],
            "at": _time(v.closed_at),
        }
        for v in closed.order_by("id")
    ]


def _spans(journal: list[SittingLog], start: str, end: str) -> list[dict[str, str]]:
    spans: list[dict[str, str]] = []
    for entry in journal:
        if entry.kind == start and (start != "closed_session_vote" or entry.data.get("adopted")):
            spans.append({"from": _time(entry.at), "to": ""})
        elif entry.kind in (end, "closed") and spans and not spans[-1]["to"]:
            spans[-1]["to"] = _time(entry.at)
    return spans


def minutes_draft(sitting: Sitting, minutes: Minutes | None = None) -> dict[str, Any]:
    journal = _journal(sitting)
    chair, secretary = sitting.chair, sitting.secretary
    dates = sitting_dates(sitting)
    return {
        "assembly": sitting.assembly.name,
        "title": sitting.title,
        "date": _when(dates.held_at),
        # R2: the day convened for, when the sitting opened on another day.
        "convened_date": _when(dates.convened_for) if dates.differs else "",
        "convened_for": _time(sitting.starts_at),
        "opened_at": _time(sitting.opened_at),
        "closed_at": _time(sitting.closed_at),
        "place": sitting.place.name,
        "remote_rooms": [r.name for r in sitting.remote_rooms.all()],
        "chair": {"name": chair.full_name, "capacity": chair.capacity} if chair else None,
        "secretary": secretary.full_name if secretary else "",
        "attendance": _attendance(sitting),
        "quorum": _quorum_at(journal, "opened"),
        "suspensions": _spans(journal, "suspended", "resumed"),
        "closed_sessions": _spans(journal, "closed_session_vote", "closed_session_left"),
        "closed_session_votes": _closed_session_votes(sitting),
        "teleconference": sitting.is_teleconference,
        "policing": _policing(sitting),
        "items": _items(sitting, minutes, journal),
        "regime": regime_for(sitting.assembly).label,
        "vote_log_head": sitting_anchor(sitting.pk),
    }


def missing_fields(content: dict[str, Any]) -> list[str]:
    """R28: what the minutes still lack; they cannot be finalised until this is empty."""
    missing = []
    if not content["opened_at"] or not content["closed_at"]:
        missing.append(_("the times of opening and closing"))
    if not content["chair"]:
        missing.append(_("the chair"))
    if not content["secretary"]:
        missing.append(_("the secretary of the sitting"))
    if not content["quorum"]:
        missing.append(_("the quorum at the opening"))
    for item in content["items"]:
        if item["state"] != AgendaItem.State.DONE:
            continue
        label = item.get("heading") or numbered(item["position"], item["title"])
        if not item["debate"].strip():
            missing.append(_("the summary of the debates on “%(item)s”") % {"item": label})
        if Regime.is_deliberation(item["kind_code"]) and not item["votes"]:
            if item.get("not_voted"):  # R27: it lawfully could not be voted
                continue
            missing.append(_("the result of the vote on “%(item)s”") % {"item": label})
    return missing
