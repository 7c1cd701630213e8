"""Generated documents: the convocation (PDF and accessible page, sessions/acts.py), the proxy
PDF and the iCalendar invitation."""

from __future__ import annotations

import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from icalendar import Calendar, Event
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, Spacer

from council.models import Member
from council.regime import PARIS
from council.words import day_date

from .acts import Act, bullets, para, pdf_from, pdf_of, space
from .models import Sitting


def _when(sitting: Sitting) -> str:
    return day_date(sitting.starts_at.astimezone(PARIS), "l j F Y à H\\hi")


def convocation_lines(sitting: Sitting) -> dict[str, Any]:
    """The words of the convocation, shared by the PDF, the e-mail and the public page."""
    signer = sitting.convened_by or sitting.chair
    lines = {
        "assembly": sitting.assembly.name,
        "title": sitting.title,
        "when": _when(sitting),
        "place": f"{sitting.place.name}, {sitting.place.address}".strip(", "),
        "items": [
            f"{i.position}. {i.title} ({i.get_kind_display().lower()})" for i in sitting.items.all()
        ],
        "teleconference": None,
        "urgency": sitting.urgency_reason if sitting.urgency else None,
        "signer": signer.full_name if signer else "",
        "signer_capacity": signer.capacity if signer else "",
        "replacement_reason": sitting.convened_by_reason,
    }
    if sitting.is_teleconference:
        rooms = ", ".join(r.name for r in sitting.remote_rooms.all())
        lines["teleconference"] = _(
            "This sitting is held by teleconference in several places (article L5211-11-1 "
            "CGCT): %(rooms)s."
        ) % {"rooms": rooms}
    return lines


def convocation_act(sitting: Sitting) -> Act:
    """The convocation's words as blocks: its PDF and its accessible page (R9, R34)."""
    w = convocation_lines(sitting)
    blocks = [
        para(w["assembly"], "Title"),
        para(_("Convocation"), "Heading1"),
        para(_("You are invited to attend the sitting “%(title)s” on %(when)s, at %(place)s.") % w),
        space(0.4),
    ]
    if w["teleconference"]:
        blocks.append(para(w["teleconference"]))
    if w["urgency"]:
        blocks.append(para(_("Urgency declared: %(reason)s") % {"reason": w["urgency"]}))
    blocks += [para(_("Agenda"), "Heading2"), bullets(w["items"]), space(0.8)]
    signature = f"{w['signer']}, {w['signer_capacity']}"
    if w["replacement_reason"]:
        signature += " — " + w["replacement_reason"]
    blocks.append(para(signature))
    return Act(_("Convocation") + " — " + sitting.title, blocks)


def render_convocation_pdf(sitting: Sitting) -> bytes:
    return pdf_of(convocation_act(sitting))


def render_proxy_pdf(
    *, grantor: Member, holder: Member, sittings: list[Sitting], at: datetime.datetime
) -> bytes:
    """The written proxy (R14) made from the grantor's authenticated request."""
    styles = getSampleStyleSheet()
    covered = [
        escape(f"{s.title} — {_when(s)}") for s in sorted(sittings, key=lambda s: s.starts_at)
    ]
    story = [
        Paragraph(escape(grantor.assembly.name), styles["Title"]),
        Paragraph(_("Proxy (pouvoir)"), styles["Heading1"]),
        Paragraph(
            _(
                "I, the undersigned %(grantor)s, member of the council, give proxy to "
                "%(holder)s to vote in my name at the following sittings:"
            )
            % {"grantor": escape(grantor.full_name), "holder": escape(holder.full_name)},
            styles["Normal"],
        ),
        ListFlowable(
            [ListItem(Paragraph(c, styles["Normal"])) for c in covered], bulletType="bullet"
        ),
        Spacer(1, 0.6 * cm),
        Paragraph(
            _("Signed electronically on %(at)s by %(grantor)s.")
            % {
                "at": day_date(at.astimezone(PARIS), "j F Y H:i"),
                "grantor": escape(grantor.full_name),
            },
            styles["Normal"],
        ),
    ]
    return pdf_from(_("Proxy"), story)


def render_ics(sitting: Sitting, uid_host: str = "seance") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Seance//Council sittings//FR")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"sitting-{sitting.pk}@{uid_host}")
    event.add("summary", f"{sitting.assembly.name} — {sitting.title}")
    event.add("dtstart", sitting.starts_at.astimezone(PARIS))
    event.add("dtend", sitting.starts_at.astimezone(PARIS) + datetime.timedelta(hours=3))
    event.add("dtstamp", datetime.datetime.now(tz=datetime.UTC))
    event.add("location", f"{sitting.place.name}, {sitting.place.address}".strip(", "))
    event.add("description", "\n".join(convocation_lines(sitting)["items"]))
    cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
