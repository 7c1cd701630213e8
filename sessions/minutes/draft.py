"""The procès-verbal drafted from the sitting's own records (R28).

`minutes_draft` reads the sitting, its attendance log, proxies, journal and votes, and
returns plain data (JSON-ready) that the pages and the PDF render. Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from council.regime import PARIS, Regime, regime_for

from ..models import AgendaItem, AttendanceEvent, ProxyCover, Sitting, SittingLog
from ..selectors import members_in_office, sitting_dates
from .models import DebateSummary, Deliberation, Minutes


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
    return formats.date_format(at.astimezone(PARIS), "l j F Y") if at else ""


def _attendance(sitting: Sitting) -> dict[str, list[dict[str, Any]]]:
    """Present (with every arrival and departure), represented (by whom) and absent."""
    in_office = {m.id: m for m in members_in_office(sitting)}
    movements: dict[int, list[AttendanceEvent]] = {}
    for event in AttendanceEvent.objects.filter(sitting=sitting).select_related("room"):
        movements.setdefault(event.member_id, []).append(event)
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
                            "kind": e.kind,
                            "label": e.get_kind_display(),
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


def _vote_dict(vote: Any) -> dict[str, Any]:
    from voting.chain import vote_anchor

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


def _items(sitting: Sitting, minutes: Minutes | None, journal: list[SittingLog]) -> list[dict]:
    from voting.models import Vote

    summaries = (
        {s.item_id: s.text for s in DebateSummary.objects.filter(minutes=minutes)}
        if minutes
        else {}
    )
    numbers = {d.item_id: d.identifier for d in Deliberation.objects.filter(sitting=sitting)}
    votes: dict[int, list[Any]] = {}
    for vote in Vote.objects.filter(sitting=sitting, state=Vote.State.CLOSED).order_by("id"):
        votes.setdefault(vote.item_id, []).append(vote)
    items = []
    for item in AgendaItem.objects.filter(sitting=sitting).select_related("rapporteur"):
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
            }
        )
    return items


def _spans(journal: list[SittingLog], start: str, end: str) -> list[dict[str, str]]:
    spans: list[dict[str, str]] = []
    for entry in journal:
        if entry.kind == start and (start != "closed_session_vote" or entry.data.get("adopted")):
            spans.append({"from": _time(entry.at), "to": ""})
        elif entry.kind in (end, "closed") and spans and not spans[-1]["to"]:
            spans[-1]["to"] = _time(entry.at)
    return spans


def minutes_draft(sitting: Sitting, minutes: Minutes | None = None) -> dict[str, Any]:
    from voting.chain import sitting_anchor

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
            missing.append(_("the result of the vote on “%(item)s”") % {"item": label})
    return missing
