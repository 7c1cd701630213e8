"""French everywhere (issue 15): service accounts, error pages, the minutes PDF's words,
clear days and durations with their plural forms."""

from __future__ import annotations

import pytest
from django.utils import translation

from council.models import StaffRole
from council.words import clear_days_words, duration_words, removed_words

NBSP = "\u00a0"


def test_service_accounts_are_named_in_french():
    assert StaffRole.account_name("clerk") == "Secrétariat des assemblées"
    assert StaffRole.account_name("technician") == "Technicien (régie)"


@translation.override("fr")
def test_clear_days_never_read_minus_one():
    assert clear_days_words(-1) == "convoqué hors délai (envoi le jour de la séance ou après)"
    assert clear_days_words(1) == "1 jour franc"
    assert clear_days_words(5) == "5 jours francs"


@translation.override("fr")
def test_durations_say_seconds_and_minutes():
    assert duration_words(31) == f"31{NBSP}s"
    assert duration_words(90) == f"1{NBSP}min 30{NBSP}s"
    assert duration_words(3660) == f"1{NBSP}h 01{NBSP}min"
    assert removed_words(31) == f"31{NBSP}s retirées"
    assert removed_words(60) == f"1{NBSP}min retirée"
    assert removed_words(1) == f"1{NBSP}s retirée"
    with translation.override("en"):
        assert removed_words(90) == "1 min 30 s removed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("fr", "Page introuvable", "Cette page n&#x27;existe pas, ou plus."),
        ("en", "Page not found", "This page does not exist, or no longer does."),
    ],
)
def test_the_404_page_is_in_the_visitors_language(client, settings, language, title, text):
    settings.DEBUG = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/nulle-part/")
    assert page.status_code == 404
    body = page.content.decode()
    assert f"<h1>{title}</h1>" in body and text in body
    assert "Not Found" not in body or language == "en"
