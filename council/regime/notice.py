"""The convocation's notice and the opening hour (R2, R5-R8, R12)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import PARIS

if TYPE_CHECKING:
    from council.models import Assembly


@dataclass(frozen=True, kw_only=True)
class NoticeRules:
    # R6: population threshold and notice periods, in clear days.
    notice_population_threshold: int = 3500
    notice_days_small: int = 3
    notice_days_large: int = 5
    notice_days_first_after_renewal: int = 3
    # R7: urgency floor.
    notice_days_urgency: int = 1
    # R12: second convocation after a failed quorum.
    second_convocation_days: int = 3
    # R5: a notice broken by a late dispatch (a re-send to one member) stops the opening;
    # False lets the sitting open with the shortfall entered in its log.
    short_notice_blocks_opening: bool = True
    # R8: a note explicative de synthèse for every item from this population.
    synthesis_note_threshold: int = 3500
    # R2: the convocation fixes the day and hour; the chair may open this many minutes
    # before the hour on that day, and no later than this many hours after it, unless
    # they confirm, with a reason entered in the sitting's log.
    opening_early_minutes: int = 30
    opening_late_hours: int = 6

    @staticmethod
    def clear_days(dispatch: datetime.datetime, sitting_start: datetime.datetime) -> int:
        """Jours francs between dispatch and sitting, by calendar dates in Paris."""
        d = dispatch.astimezone(PARIS).date()
        s = sitting_start.astimezone(PARIS).date()
        return (s - d).days - 1

    def notice_clear_days(
        self, dispatches: Iterable[datetime.datetime], sitting_start: datetime.datetime
    ) -> int | None:
        """R5: the notice is counted from the latest dispatch to any member (None: none)."""
        latest = max(dispatches, default=None)
        return None if latest is None else self.clear_days(latest, sitting_start)

    def required_notice_days(
        self,
        assembly: Assembly,
        *,
        first_after_renewal: bool,
        urgency: bool,
        second_convocation: bool = False,
    ) -> int:
        if urgency:
            return self.notice_days_urgency
        if second_convocation:  # R12
            return self.second_convocation_days
        if first_after_renewal:
            return self.notice_days_first_after_renewal
        return self.notice_days_large if self._is_large(assembly) else self.notice_days_small

    def _is_large(self, assembly: Assembly) -> bool:
        if assembly.is_epci:
            return any(
                c.population >= self.notice_population_threshold for c in assembly.communes.all()
            )
        return assembly.population >= self.notice_population_threshold

    def needs_synthesis_note(self, assembly: Assembly) -> bool:
        # An EPCI with a commune of 3,500 or more follows the larger communes' rules.
        return self._is_large(assembly)

    def opening_window(
        self, starts_at: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime]:
        """When the sitting may open without the chair's confirmation: from
        `opening_early_minutes` before the convened hour, on the convened day (Paris), to
        `opening_late_hours` after it."""
        local = starts_at.astimezone(PARIS)
        day_start = datetime.datetime.combine(local.date(), datetime.time(0), tzinfo=PARIS)
        early = datetime.timedelta(minutes=self.opening_early_minutes)
        earliest = max(starts_at - early, day_start)
        return earliest, starts_at + datetime.timedelta(hours=self.opening_late_hours)
