"""The replay page's accessibility statement (R34): what is captioned and how (automatic,
its measured error rate), what is cut, the RGAA conformity mention, and whom to ask for an
accessible version: the assembly's contact."""

from __future__ import annotations

import pytest
from django.urls import reverse

from streaming.models import Transcript
from streaming.replay import build_replay

pytestmark = pytest.mark.django_db


@pytest.fixture
def replayed(sitting):
    """A closed sitting's replay (the chamber's, tests/streaming/conftest.py), its
    transcription queued but not run (not committed)."""
    s, *_ = sitting
    return s, build_replay(s)


def statement(client, sitting) -> str:
    page = client.get(reverse("replay", args=[sitting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    return html.split('data-testid="replay-accessibility"')[1].split("</section>")[0]


def test_the_statement_says_whom_to_ask_for_an_accessible_version(client, replayed):
    s, _replay = replayed
    a = s.assembly
    a.contact_email, a.address = "accessibilite@commune.example.fr", "1 place de la Mairie"
    a.save(update_fields=["contact_email", "address"])
    text = statement(client, s)
    assert '<h2 id="h-accessibility">Accessibilité de cette rediffusion</h2>' in text
    assert "Cette rediffusion n’est pas encore sous-titrée" in text  # not transcribed yet
    assert '<a href="mailto:accessibilite@commune.example.fr">' in text
    assert f"ou par courrier à {a.name}, 1 place de la Mairie." in text
    assert "Défenseur des droits" in text
    assert "déclarée non conforme" in text  # the RGAA conformity mention, no audit made
    assert "huis clos" in text and "Rien n’a été retiré" not in text  # it had a closed session

    a.contact_email = ""
    a.save(update_fields=["contact_email"])
    text = statement(client, s)
    assert "mailto:" not in text and f"{a.name}, 1 place de la Mairie." in text


def test_the_statement_gives_the_transcripts_measured_error_rate(client, replayed, settings):
    s, replay = replayed
    Transcript.objects.filter(replay=replay).update(state=Transcript.State.READY, model="m-1")
    text = statement(client, s)
    assert "Cette rediffusion est sous-titrée en français" in text
    assert "environ 31\u00a0% des mots sont mal reconnus" in text  # the bundled model's
    assert "Modèle de reconnaissance\u00a0: m-1." in text
    assert "qui note qui avait la parole" in text  # the names are not recognised

    settings.SEANCE_TRANSCRIPT_MODEL = "/srv/models/whisper-small"  # a town's own model...
    text = statement(client, s)
    assert "n’a pas été mesuré pour ce modèle (m-1)" in text and "31\u00a0%" not in text
    settings.SEANCE_TRANSCRIPT_WER = "0.18"  # ...and its measured rate
    assert "environ 18\u00a0% des mots" in statement(client, s)
    settings.SEANCE_TRANSCRIPT_WER = "beaucoup"  # not a number: said unmeasured, no error
    assert "n’a pas été mesuré" in statement(client, s)
