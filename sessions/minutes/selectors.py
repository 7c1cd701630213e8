"""Reads of the minutes and publication: the clerk's deadlines, the archive, open data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from council.models import Assembly
from council.regime import PARIS, regime_for

from ..models import Deliberation, Minutes, Publication, Sitting
from ..models.actes import matter_name


@dataclass
class Deadline:
    sitting: Sitting
    what: str  # "list" or "minutes"
    due: datetime.datetime
    status: str  # "ok", "soon", "overdue"


def deadlines(sittings: QuerySet[Sitting], now: datetime.datetime | None = None) -> list[Deadline]:
    """R29-R30: what must go online within a week, and how close each deadline is."""
    now = now or timezone.now()
    closed = sittings.filter(state=Sitting.State.CLOSED, outcome=Sitting.Outcome.HELD)
    listed = set(
        Publication.objects.filter(sitting__in=closed, kind=Publication.Kind.LIST).values_list(
            "sitting_id", flat=True
        )
    )
    due: list[Deadline] = []
    for sitting in closed.select_related("assembly"):
        regime = regime_for(sitting.assembly)
        if sitting.pk not in listed and sitting.closed_at:
            when = regime.list_due(sitting.closed_at)
            due.append(Deadline(sitting, "list", when, regime.deadline_status(when, now)))
    adopted = Minutes.objects.filter(
        sitting__in=closed, state__in=[Minutes.State.ADOPTED, Minutes.State.SIGNED]
    ).select_related("sitting__assembly")
    for minutes in adopted:
        if minutes.adopted_at:
            regime = regime_for(minutes.sitting.assembly)
            when = regime.minutes_due(minutes.adopted_at)
            due.append(
                Deadline(minutes.sitting, "minutes", when, regime.deadline_status(when, now))
            )
    return sorted(due, key=lambda d: d.due)


def archive_years(assembly: Assembly) -> list[dict[str, Any]]:
    """The assembly's sittings that were convened, newest first, by year."""
    years: dict[int, list[Sitting]] = {}
    for sitting in assembly.sittings.exclude(state=Sitting.State.DRAFT).order_by("-starts_at"):
        years.setdefault(sitting.starts_at.astimezone(PARIS).year, []).append(sitting)
    return [{"year": y, "sittings": s} for y, s in years.items()]


def published_deliberations(assembly: Assembly) -> QuerySet[Deliberation]:
    return (
        Deliberation.objects.filter(sitting__assembly=assembly, publication__isnull=False)
        .select_related("sitting", "item", "publication__transmission")
        .order_by("decided_at", "sitting_id", "number")
    )


SCDL_FIELDS = [
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
]


def acknowledgement(d: Deliberation) -> Any:
    """The prefecture's acknowledgement of the deliberation (its Transmission once
    acknowledged), or None: not sent, or not yet acknowledged."""
    t = getattr(d.publication, "transmission", None) if d.publication_id else None
    return t if t is not None and t.acknowledged_on else None


def scdl_record(d: Deliberation, url: str) -> dict[str, Any]:
    """One row of the SCDL "Délibérations" 2.1 schema; missing values are empty. PREF_ID
    and PREF_DATE come from the prefecture's acknowledgement (ARActe)."""
    c = d.counts
    ack = acknowledgement(d)
    budget = d.item.kind in ("budget", "accounts")
    return {
        "COLL_NOM": d.sitting.assembly.name,
        "COLL_SIRET": d.sitting.assembly.siret,
        "DELIB_ID": d.identifier,
        "DELIB_DATE": d.decided_at.astimezone(PARIS).date().isoformat(),
        "DELIB_MATIERE_CODE": d.matter_code,
        "DELIB_MATIERE_NOM": matter_name(d.matter_code) if d.matter_code else "",
        "DELIB_OBJET": d.subject,
        "BUDGET_ANNEE": str(d.decided_at.astimezone(PARIS).year) if budget else "",
        "BUDGET_NOM": "",
        "PREF_ID": ack.control_entity if ack else "",
        "PREF_DATE": ack.acknowledged_on.isoformat() if ack else "",
        "VOTE_EFFECTIF": c.get("in_office") or "",
        "VOTE_REEL": c.get("voices", ""),
        "VOTE_POUR": c.get("for", ""),
        "VOTE_CONTRE": c.get("against", ""),
        "VOTE_ABSTENTION": c.get("abstain", ""),
        "DELIB_URL": url,
    }
