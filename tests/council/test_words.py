"""French dates as a council writes them: the first of the month is "1er"."""

from __future__ import annotations

import datetime

from django.template import Context, Template
from django.utils import translation

from council.words import day_date

FIRST = datetime.datetime(2026, 12, 1, 18, 30, tzinfo=datetime.UTC)  # 19:30 in Paris
SECOND = datetime.date(2026, 12, 2)


def test_the_first_of_the_month_is_1er_in_french_only():
    with translation.override("fr"):
        assert day_date(FIRST.date(), "l j F Y") == "mardi 1er décembre 2026"
        assert day_date(SECOND, "j F Y") == "2 décembre 2026"
        assert day_date(FIRST.date(), r"\j j") == "j 1er"  # an escaped j stays a letter
        assert day_date(FIRST.date()) == "1er décembre 2026"  # DATE_FORMAT by name
        assert day_date(None) == ""
    with translation.override("en"):
        assert day_date(FIRST.date(), "j F Y") == "1 December 2026"


def test_the_template_filter_says_it_in_local_time():
    template = Template('{% load council_words %}{{ when|day:"l j F Y, H:i" }}')
    with translation.override("fr"):
        assert template.render(Context({"when": FIRST})) == "mardi 1er décembre 2026, 19:30"
        late = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)  # 1 Dec in Paris
        assert template.render(Context({"when": late})) == "mardi 1er décembre 2026, 00:30"
