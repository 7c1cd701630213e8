"""The published acts' words: minutes, each deliberation, the list of deliberations, as
blocks (sessions/acts.py) that make both the PDF and the accessible page."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from council.regime import PARIS
from council.words import day_date
from voting.chain import CLOSE_LABEL, HEAD_LABEL, sitting_anchor, vote_anchor

from ..acts import Act, Block, pdf_of, space, table
from ..acts import para as _p
from ..models import Deliberation, Minutes, Sitting
from .draft import numbered


def _anchor(label: str, digest: str) -> list[Block]:
    """R31: a vote log hash, printed whole on its own line so it can be copied and checked
    with `manage.py verify_votes --anchor` (nothing, for an act from before the log)."""
    return [_p(label), _p(digest, "Code")] if digest else []


def _at(iso: str) -> str:
    at = datetime.datetime.fromisoformat(iso).astimezone(PARIS)
    return day_date(at, "j F Y H:i")


def _result_lines(vote: dict[str, Any]) -> list[str]:
    r = vote["result"]
    head = f"{vote['kind']}" + (f", {_('round')} {vote['round']}" if vote["round"] > 1 else "")
    lines = [head]
    if vote["requests"]:
        asked = ", ".join(f"{k}: {n}" for k, n in vote["requests"].items())
        lines.append(_("Requests for a type of vote: %(asked)s") % {"asked": asked})
    if vote.get("waiver"):  # R18
        present = ", ".join(p["name"] for p in vote["waiver"].get("present", []))
        lines.append(
            _("The council unanimously waived the secret ballot; present: %(names)s; no objection.")
            % {"names": present}
        )
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
    if r.get("casting_vote"):  # R16
        choice = _("For") if r.get("chair_vote") == "for" else _("Against")
        lines.append(
            _("Tie: the casting vote of the chair, %(name)s (%(choice)s), decided.")
            % {"name": r.get("chair", ""), "choice": choice.lower()}
        )
    return lines


def _attendance(content: dict[str, Any]) -> list[Block]:
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


def _policing(content: dict[str, Any]) -> list[Any]:
    """R24: the chair's calls to order and expulsions, with their time and reason."""
    measures = content.get("policing") or []
    if not measures:
        return []
    lines = [
        (
            _("%(at)s — %(name)s expelled from the sitting: %(reason)s")
            if m["kind"] == "expulsion"
            else _("%(at)s — %(name)s called to order: %(reason)s")
        )
        % m
        for m in measures
    ]
    return [_p(_("Policing of the sitting (R24)"), "Heading3"), *[_p(line) for line in lines]]


def _closed_sessions(content: dict[str, Any]) -> list[Block]:
    """R25: the council's votes on the closed session, each with its result and its hash
    in the vote log, and when the council sat in closed session."""
    votes = content.get("closed_session_votes") or []
    if not votes:
        return []
    story: list[Block] = [_p(_("Closed session (huis clos, R25)"), "Heading3")]
    for vote in votes:
        story.append(_p(_("%(at)s — vote on the closed session") % {"at": vote["at"]}))
        asked = ", ".join(vote.get("requested_by") or [])
        story.append(_p(_("Requested by: %(names)s") % {"names": asked or "—"}))
        story += [_p(line) for line in _result_lines(vote)]
        story += _anchor(_(CLOSE_LABEL), vote.get("anchor", ""))
    for span in content.get("closed_sessions") or []:
        story.append(
            _p(
                _("In closed session from %(from)s to %(to)s.")
                % {"from": span["from"], "to": span["to"]}
            )
        )
    return story


def _item(item: dict[str, Any]) -> list[Block]:
    head = item.get("heading") or numbered(item["position"], item["title"])
    if item["deliberation"]:
        head += " — " + _("deliberation no. %(id)s") % {"id": item["deliberation"]}
    story: list[Block] = [_p(head, "Heading2")]
    if item["rapporteur"]:
        story.append(_p(_("Rapporteur: %(name)s") % {"name": item["rapporteur"]}))
    if item["report"]:
        story.append(_p(item["report"]))
    if item["quorum"]:
        story.append(_p(_("Quorum: %(q)s") % {"q": item["quorum"]}))
    if item.get("postponed_reason"):  # R27, R7, R12
        story.append(_p(_("Postponed: %(why)s.") % {"why": item["postponed_reason"]}))
        if item.get("carried_to"):
            story.append(_p(_("The item is %(where)s.") % {"where": item["carried_to"]}))
    if item.get("not_voted"):  # R27
        story.append(_p(item["not_voted"]))
    if item["debate"]:
        story += [_p(_("Debates"), "Heading3"), _p(item["debate"])]
    for vote in item["votes"]:
        story += [_p(line) for line in _result_lines(vote)]
        story += _anchor(_(CLOSE_LABEL), vote.get("anchor", ""))
    return story


def _signatures(minutes: Minutes) -> list[Block]:
    rows = [
        [sig["name"], sig["capacity"], _at(sig["at"])]
        for sig in (minutes.chair_signature, minutes.secretary_signature)
        if sig
    ]
    head = [_("Signed by"), _("Capacity"), _("Date")]
    return [space(0.6), table(head, rows, caption=_("Signatures"))]


def _head(digest: str) -> list[Block]:
    return _anchor(_(HEAD_LABEL), digest)


def minutes_act(minutes: Minutes) -> Act:
    """R28: what the adopted and signed minutes say."""
    c = minutes.content or {}
    chair = c["chair"] or {}
    story: list[Block] = [
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
        *_policing(c),
        *_closed_sessions(c),
        _p(_("Agenda"), "Heading2"),
        *[_p(i.get("heading") or numbered(i["position"], i["title"])) for i in c["items"]],
    ]
    for item in c["items"]:
        story += _item(item)
    if minutes.adopted_at:
        adopted = day_date(minutes.adopted_at.astimezone(PARIS), "j F Y")
        story.append(_p(_("Adopted by the council on %(date)s.") % {"date": adopted}))
    story += _head(c.get("vote_log_head", ""))
    story += _signatures(minutes)
    return Act(_("Minutes") + " — " + c["title"], story)


def render_minutes(minutes: Minutes) -> bytes:
    return pdf_of(minutes_act(minutes))


def _counts_line(d: Deliberation) -> str:
    c = d.counts
    if "tallies" in c:
        return ", ".join(f"{name}: {n}" for name, n in c["tallies"].items())
    return _("For: %(for)s, against: %(against)s, abstentions: %(abstain)s, voices: %(voices)s") % {
        k: c.get(k, 0) for k in ("for", "against", "abstain", "voices")
    }


def deliberation_act(d: Deliberation) -> Act:
    """R31: the numbered deliberation, its vote and the vote log's hash of its close."""
    sitting = d.sitting
    chair = sitting.chair
    when = day_date(d.decided_at.astimezone(PARIS), "j F Y")
    story = [
        _p(sitting.assembly.name, "Title"),
        _p(_("Deliberation no. %(id)s") % {"id": d.identifier}, "Heading1"),
        _p(_("Sitting of %(date)s") % {"date": when}),
        _p(d.subject, "Heading2"),
        _p(d.item.summary),
        _p(_counts_line(d)),
        _p(_("Adopted") if d.adopted else _("Rejected")),
        *_anchor(_(CLOSE_LABEL), vote_anchor(d.vote_id or 0)),
        space(0.6),
        _p(f"{chair.full_name}, {chair.capacity}" if chair else ""),
    ]
    return Act(f"{_('Deliberation')} {d.identifier}", story)


def list_act(sitting: Sitting) -> Act:
    """R30: session date, subject, adopted or rejected."""
    when = day_date((sitting.opened_at or sitting.starts_at).astimezone(PARIS), "j F Y")
    heading = _("List of deliberations of the sitting of %(date)s") % {"date": when}
    rows = [
        [d.identifier, d.subject, _("Adopted") if d.adopted else _("Rejected")]
        for d in sitting.deliberations.all()
    ]
    head = [_("No."), _("Subject"), _("Decision")]
    story = [
        _p(sitting.assembly.name, "Title"),
        _p(heading, "Heading1"),
        table(head, rows, caption=heading, widths=[4, 10, 3], wrapped=(1,)),
        space(0.4),
        *_head(sitting_anchor(sitting.pk)),
    ]
    return Act(_("List of deliberations"), story)
