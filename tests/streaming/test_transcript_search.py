"""The archive's search finds what was said, from the real transcript (Whisper base, int8,
French speech made by espeak-ng; the chamber of test_transcript.py): a word said in a
sitting finds that sitting and the moment in the replay, with who had the floor; a word
said in closed session is never found."""

from __future__ import annotations

import html
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from sessions.models import SearchEntry
from streaming.models import Replay, Transcript
from streaming.replay import build_replay
from tests import factories

pytestmark = pytest.mark.django_db


def spoken_hits(client, query: str) -> list[dict[str, str]]:
    response = client.get("/archive/search/", {"q": query})
    assert response.status_code == 200
    found = []
    for block in response.content.decode().split('data-testid="search-hit"')[1:]:
        block = block.split("</li>")[0]
        found.append(
            {
                "kind": re.search(r'data-kind="(\w+)"', block).group(1),
                "link": html.unescape(
                    re.search(r'<a href="([^"]+)" data-testid="hit-link"', block).group(1)
                ),
                "block": block,
            }
        )
    return [h for h in found if h["kind"] == "spoken"]


def test_a_spoken_word_finds_its_sitting_and_moment_and_a_closed_session_word_is_never_found(
    sitting,  # noqa: F811
    chamber_sound,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    s, a_member, b_member, _chair = sitting
    _part, spans = chamber_sound
    elsewhere = factories.convened(factories.assembly(members=3), items=1)  # found for nothing
    with django_capture_on_commit_callbacks(execute=True):
        replay = build_replay(s)  # the transcription runs here (eager), then the indexing
    assert replay.state == Replay.State.READY, replay.error
    transcript = Transcript.objects.get(replay=replay)
    assert transcript.state == Transcript.State.READY, transcript.error

    found = spoken_hits(client, "piscine")
    assert found, SearchEntry.objects.filter(kind="spoken").values_list("text", flat=True)
    for hit in found:
        path, _, moment = hit["link"].partition("#t=")
        assert path == reverse("replay", args=[s.pk]) and str(elsewhere.pk) not in path
        seconds = int(moment)
        # Where B said it in the replay: the recording from the opening (0.5 s), without
        # the closed session's cut (1 s either side of its words).
        closed = spans["closed"]
        cut = closed[1] - closed[0] + 2.0
        said = (spans["b"][0] - 0.5 - cut, spans["b"][1] - 0.5 - cut)
        assert 0 <= seconds <= replay.duration
        assert said[0] - 2.0 <= seconds <= said[1], (seconds, said)
        assert b_member.full_name in hit["block"] and "Travaux de la piscine" in hit["block"]
        assert s.title in hit["block"]
    assert client.get(found[0]["link"].split("#")[0]).status_code == 200

    # the words of the closed session are in no replay, no transcript, no index
    for word in ["personnel", "maintenant", "mairie"]:
        assert spoken_hits(client, word) == [], word
        assert not SearchEntry.objects.filter(text__icontains=word).exists(), word

    # the chair's words (between two floors) are found too, with the chair's role
    merci = spoken_hits(client, "merci")
    assert merci and all("(Maire)" in h["block"] for h in merci)

    # a rebuild finds the same
    before = [h["link"] for h in spoken_hits(client, "budget")]
    assert before and all(a_member.full_name in h["block"] for h in spoken_hits(client, "budget"))
    SearchEntry.objects.all().delete()
    call_command("search_reindex")
    assert [h["link"] for h in spoken_hits(client, "budget")] == before
