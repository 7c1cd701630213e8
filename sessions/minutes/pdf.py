"""The published acts as PDF: minutes, each deliberation, the list of deliberations."""

from __future__ import annotations

import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, Spacer, Table

from council.regime import PARIS
from voting.chain import sitting_anchor, vote_anchor

from ..documents import pdf_from
from ..models import Sitting
from .draft import numbered
from .models import Deliberation, Minutes

STYLES = getSampleStyleSheet()


def _p(text: str, style: str = "Normal") -> Paragraph:
    """A paragraph of plain text: user input is escaped, newlines kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def _anchor(label: str, digest: str) -> list[Any]:
    """R31: a vote log hash, printed whole on its own line so it can be copied and checked
    with `manage.py verify_votes --anchor` (nothing, for an act from before the log)."""
    return [_p(label), _p(digest, "Code")] if digest else []


def _at(iso: str) -> str:
    at = datetime.datetime.fromisoformat(iso).astimezone(PARIS)
    return formats.date_format(at, "j F Y H:i")


def _result_lines(vote: dict[str, Any]) -> list[str]:
    r = vote["result"]
    head = f"{vote['kind']}" + (f", {_('round')} {vote['round']}" if vote["round"] > 1 else "")
    lines = [head]
    if vote["requests"]:
        asked = ", ".join(f"{k}: {n}" for k, n in vote["requests"].items())
        lines.append(_("Requests for a type of vote: %(asked)s") % {"asked": asked})
    if "tallies" in r:
        tallies = ", ".join(f"{name}: {n}" for name, n in r["tallies"].items())
        lines.append(f"{tallies}; {_('blank')}: {r.get('blank', 0)}")
        lines.append(_("Elected: %(name)s") % {"name": r["winner"]} if r.get("winner") else "")
        return [line for line in lines if line]
    lines.append(
        _("For: %(for)s, against: %(against)s, abstentions: %(abstain)s, voices: %(voices)s") % r
    )
    for choice, label in (("for", _("For")), ("against", _("Against"))):
        names = (r.get("names") or {}).get(choice)
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    lines.append(_("Adopted") if vote["adopted"] else _("Rejected"))
    return lines


def _attendance(content: dict[str, Any]) -> list[Any]:
    a = content["attendance"]
    present = [
        p["name"]
        + " ("
        + ", ".join(f"{m['label'].lower()} {m['at']}, {m['where']}" for m in p["movements"])
        + ")"
        for p in a["present"]
    ]
    represented = [f"{r['name']} ({_('proxy to')} {r['by']})" for r in a["represented"]]
    return [
        _p(_("Present"), "Heading3"),
        _p("; ".join(present) or "—"),
        _p(_("Represented"), "Heading3"),
        _p("; ".join(represented) or "—"),
        _p(_("Absent"), "Heading3"),
        _p("; ".join(x["name"] for x in a["absent"]) or "—"),
    ]


def _item(item: dict[str, Any]) -> list[Any]:
    head = item.get("heading") or numbered(item["position"], item["title"])
    if item["deliberation"]:
        head += " — " + _("deliberation no. %(id)s") % {"id": item["deliberation"]}
    story: list[Any] = [_p(head, "Heading2")]
    if item["rapporteur"]:
        story.append(_p(_("Rapporteur: %(name)s") % {"name": item["rapporteur"]}))
    if item["report"]:
        story.append(_p(item["report"]))
    if item["quorum"]:
        story.append(_p(_("Quorum: %(q)s") % {"q": item["quorum"]}))
    if item["debate"]:
        story += [_p(_("Debates"), "Heading3"), _p(item["debate"])]
    for vote in item["votes"]:
        story += [_p(line) for line in _result_lines(vote)]
        story += _anchor(_("Vote log, hash of the close of this vote:"), vote.get("anchor", ""))
    return story


def _signatures(minutes: Minutes) -> list[Any]:
    rows = [[_("Signed by"), _("Capacity"), _("Date")]]
    for sig in (minutes.chair_signature, minutes.secretary_signature):
        if sig:
            rows.append([sig["name"], sig["capacity"], _at(sig["at"])])
    return [Spacer(1, 0.6 * cm), Table(rows, hAlign="LEFT")]


def _head(digest: str) -> list[Any]:
    return _anchor(_("Vote log, head of the chain after the last vote of this sitting:"), digest)


def render_minutes(minutes: Minutes) -> bytes:
    c = minutes.content or {}
    chair = c["chair"] or {}
    story: list[Any] = [
        _p(c["assembly"], "Title"),
        _p(_("Minutes of the sitting of %(date)s") % {"date": c["date"]}, "Heading1"),
        *(
            [_p(_("Convened for %(date)s.") % {"date": c["convened_date"]})]
            if c.get("convened_date")
            else []
        ),
        _p(
            _("Opened at %(opened)s, closed at %(closed)s, %(place)s.")
            % {"opened": c["opened_at"], "closed": c["closed_at"], "place": c["place"]}
        ),
        _p(_("Chair: %(name)s, %(capacity)s") % chair),
        _p(_("Secretary of the sitting: %(name)s") % {"name": c["secretary"]}),
        _p(_("Quorum at the opening: %(q)s") % {"q": c["quorum"]}),
        *_attendance(c),
        _p(_("Agenda"), "Heading2"),
        *[_p(i.get("heading") or numbered(i["position"], i["title"])) for i in c["items"]],
    ]
    for item in c["items"]:
        story += _item(item)
    if minutes.adopted_at:
        adopted = formats.date_format(minutes.adopted_at.astimezone(PARIS), "j F Y")
        story.append(_p(_("Adopted by the council on %(date)s.") % {"date": adopted}))
    story += _head(c.get("vote_log_head", ""))
    story += _signatures(minutes)
    return pdf_from(_("Minutes") + " — " + c["title"], story)


def _counts_line(d: Deliberation) -> str:
    c = d.counts
    if "tallies" in c:
        return ", ".join(f"{name}: {n}" for name, n in c["tallies"].items())
    return _("For: %(for)s, against: %(against)s, abstentions: %(abstain)s, voices: %(voices)s") % {
        k: c.get(k, 0) for k in ("for", "against", "abstain", "voices")
    }


def render_deliberation(d: Deliberation) -> bytes:
    sitting = d.sitting
    chair = sitting.chair
    when = formats.date_format(d.decided_at.astimezone(PARIS), "j F Y")
    story = [
        _p(sitting.assembly.name, "Title"),
        _p(_("Deliberation no. %(id)s") % {"id": d.identifier}, "Heading1"),
        _p(_("Sitting of %(date)s") % {"date": when}),
        _p(d.subject, "Heading2"),
        _p(d.item.summary),
        _p(_counts_line(d)),
        _p(_("Adopted") if d.adopted else _("Rejected")),
        *_anchor(_("Vote log, hash of the close of this vote:"), vote_anchor(d.vote_id or 0)),
        Spacer(1, 0.6 * cm),
        _p(f"{chair.full_name}, {chair.capacity}" if chair else ""),
    ]
    return pdf_from(f"{_('Deliberation')} {d.identifier}", story)


def render_list(sitting: Sitting) -> bytes:
    """R30: session date, subject, adopted or rejected."""
    when = formats.date_format((sitting.opened_at or sitting.starts_at).astimezone(PARIS), "j F Y")
    rows = [[_("No."), _("Subject"), _("Decision")]]
    for d in sitting.deliberations.all():
        decision = _("Adopted") if d.adopted else _("Rejected")
        rows.append([d.identifier, _p(d.subject), decision])
    story = [
        _p(sitting.assembly.name, "Title"),
        _p(_("List of deliberations of the sitting of %(date)s") % {"date": when}, "Heading1"),
        Table(rows, colWidths=[4 * cm, 10 * cm, 3 * cm], hAlign="LEFT"),
        Spacer(1, 0.4 * cm),
        *_head(sitting_anchor(sitting.pk)),
    ]
    return pdf_from(_("List of deliberations"), story)
