"""Template filters for council/words.py: {% load council_words %}
{{ seconds|duration }}, {{ seconds|removed }}, {{ days|clear_days }}."""

from __future__ import annotations

from django import template

from council.words import clear_days_words, duration_words, removed_words

register = template.Library()
register.filter("duration", duration_words)
register.filter("removed", removed_words)
register.filter("clear_days", clear_days_words)
