"""The published acts speak French (issue 15): the minutes, the list of deliberations,
each deliberation and the convocation hold no English phrase of the catalogue."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from sessions.documents import render_convocation_pdf
from sessions.minutes import services as minutes
from tests.browser.a11y import english_phrases
from tests.sessions.minutes_cases import adopted_minutes

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_every_published_act_is_in_french():
    s, people, clerk, record = adopted_minutes()
    minutes.minutes_sign(minutes=record, user=people[0].user)
    record = minutes.minutes_sign(minutes=record, user=people[1].user)
    acts = {"minutes": minutes.minutes_publish(minutes=record, user=clerk).document}
    acts["list"] = minutes.deliberations_publish(sitting=s, user=clerk).document
    for d in s.deliberations.all():
        acts[f"deliberation {d.pk}"] = d.publication.document
    texts = {name: text_of(document.open("rb").read()) for name, document in acts.items()}
    with translation.override("fr"):
        texts["convocation"] = text_of(render_convocation_pdf(s))
    phrases = english_phrases()
    english = {name: sorted(p for p in phrases if p in text) for name, text in texts.items()}
    assert not any(english.values()), english
    assert "Délibération" in texts["list"] or "délibération" in texts["list"]
