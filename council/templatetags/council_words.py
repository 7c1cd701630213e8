"""Template filters for council/words.py: {% load council_words %}
{{ seconds|duration }}, {{ seconds|removed }}, {{ days|clear_days }}, and
{{ when|day:"l j F Y, H:i" }} for Django's |date with French's "1er" (in local time)."""

from __future__ import annotations

from django import template

from council.words import clear_days_words, day_date, duration_words, removed_words

register = template.Library()
register.filter("duration", duration_words)
register.filter("removed", removed_words)
register.filter("clear_days", clear_days_words)
register.filter("day", day_date, expects_localtime=True)
