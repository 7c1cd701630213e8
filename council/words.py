"""Numbers said in words the way a French council reads them: durations, clear days
(jours francs, R5) with their plural forms through ngettext, and dates ("1er décembre")."""

from __future__ import annotations

import datetime
import re

from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

UNESCAPED_DAY = re.compile(r"(?<!\\)j")


def duration_words(seconds: float | int) -> str:
    """31 → "31 s", 90 → "1 min 30 s", 3660 → "1 h 01 min" (rounded to the second)."""
    total = max(int(round(seconds)), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    if minutes and secs:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": secs}
    if minutes:
        return _("%(m)s min") % {"m": minutes}
    return _("%(s)s s") % {"s": secs}


def removed_words(seconds: float | int) -> str:
    """What a cut took out of a replay: "31 s retirées", "1 min 30 s retirées"."""
    total = max(int(round(seconds)), 0)
    minutes, secs = divmod(total, 60)
    # The agreement follows the one unit said ("1 min retirée"), plural for two units.
    count = secs if total < 60 else (minutes if not secs and total < 3600 else 2)
    return ngettext("%(duration)s removed", "%(duration)s removed", count) % {
        "duration": duration_words(total)
    }


def clear_days_words(days: int) -> str:
    """R5: "5 jours francs", "1 jour franc"; a convocation sent on the sitting's day or
    after it has no clear day at all: "convoqué hors délai", never "-1 jours francs"."""
    if days < 0:
        return _("convened out of time (sent on or after the day of the sitting)")
    return ngettext("%(n)s clear day", "%(n)s clear days", days) % {"n": days}


def day_date(value: datetime.date | None, fmt: str = "DATE_FORMAT") -> str:
    """Django's date format, with French's first of the month: "mardi 1er décembre 2026",
    never "1 décembre". `fmt` is a format string or a format's name ("DATE_FORMAT")."""
    if value is None or value == "":
        return ""
    pattern = str(formats.get_format(fmt)) if fmt.endswith("_FORMAT") else fmt
    if value.day == 1 and (get_language() or "").startswith("fr"):
        pattern = UNESCAPED_DAY.sub(r"\\1\\e\\r", pattern)
    return formats.date_format(value, pattern)


def clock(seconds: float | None) -> str:
    """A moment of a replay as people read it: 4:05, or 1:02:03 past an hour."""
    whole = int(seconds or 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
