"""Minutes, publication and the copies to the member communes (R28-R32)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import PARIS

if TYPE_CHECKING:
    from council.models import Assembly


@dataclass(frozen=True, kw_only=True)
class PublicationRules:
    # R29 / R30: publication deadlines, in days.
    list_publication_days: int = 7
    minutes_publication_days: int = 7
    deadline_warning_days: int = 2
    # R32: in an EPCI, the member communes' councillors who do not sit in its council get
    # a copy of the convocation (before the sitting), and of the list of deliberations
    # (within this many months of the sitting) and of the minutes (of their adoption).
    councillor_copy_months: int = 1

    def list_due(self, closed_at: datetime.datetime) -> datetime.datetime:
        """R30: the list of deliberations is online within one week of the sitting."""
        return closed_at + datetime.timedelta(days=self.list_publication_days)

    def minutes_due(self, adopted_at: datetime.datetime) -> datetime.datetime:
        """R29: the minutes are online within one week of their adoption."""
        return adopted_at + datetime.timedelta(days=self.minutes_publication_days)

    def deadline_status(self, due: datetime.datetime, now: datetime.datetime) -> str:
        """'overdue', 'soon' (within the warning window) or 'ok'."""
        if now > due:
            return "overdue"
        if due - now <= datetime.timedelta(days=self.deadline_warning_days):
            return "soon"
        return "ok"

    @staticmethod
    def councillors_get_copies(assembly: Assembly) -> bool:
        """R32: only an EPCI's member communes have councillors outside its council."""
        return assembly.is_epci

    def councillor_copy_due(self, kind: str, start: datetime.datetime) -> datetime.datetime:
        """R32: when a copy is due. The convocation's by the sitting's start (`start`); the
        list of deliberations' within `councillor_copy_months` of the sitting's close, the
        minutes' of their adoption (`start`), to the same day of the month, in Paris (the
        last day of a shorter month)."""
        if kind == "convocation":
            return start
        local = start.astimezone(PARIS)
        months = local.month - 1 + self.councillor_copy_months
        year, month = local.year + months // 12, months % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        return local.replace(year=year, month=month, day=day)

    @staticmethod
    def councillor_copy_late(
        due: datetime.datetime, sent_at: datetime.datetime | None, now: datetime.datetime
    ) -> bool:
        """R32: sent after its deadline, or not sent and the deadline passed."""
        return (sent_at or now) > due

    @staticmethod
    def is_deliberation(item_kind: str) -> bool:
        """R31: the items whose decision is a numbered deliberation."""
        return item_kind in ("deliberation", "election", "nomination", "budget", "accounts")

    @staticmethod
    def transmitted_to_prefecture(publication_kind: str) -> bool:
        """Contrôle de légalité (L2131-2 1° CGCT): the council's deliberations go to the
        prefect (through S²LOW). The list of deliberations (R30) and the minutes (R29) are
        made public, not transmitted [M]."""
        return publication_kind == "deliberation"

    def needs_matter_code(self, item_kind: str) -> bool:
        """A deliberation goes to the prefecture classified in the ACTES nomenclature: its
        item cannot be put to a vote without a matter code."""
        return self.is_deliberation(item_kind)
