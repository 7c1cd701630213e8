"""The public archive's search, as a citizen uses it: agenda items once convened,
deliberations once published, accents and case aside, each hit leading to its place;
drafts never found; hostile queries answered with a French 400, never a 500; hostile
text shown as text."""

from __future__ import annotations

import html
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from sessions import services
from sessions.minutes import services as minutes
from sessions.models import SearchEntry
from tests import factories
from tests.sessions.minutes_cases import held_sitting

pytestmark = pytest.mark.django_db

SEARCH = "/archive/search/"


def hits(response) -> list[dict[str, str]]:
    """Each hit as the page shows it: its kind, link, snippet (text, and the marked
    words) and speaker."""
    assert response.status_code == 200, response.content.decode()[:500]
    body = response.content.decode()
    found = []
    for block in body.split('data-testid="search-hit"')[1:]:
        block = block.split("</li>")[0]
        snippet = re.search(r'data-testid="hit-snippet">(.*?)</p>', block, re.S).group(1)
        found.append(
            {
                "kind": re.search(r'data-kind="(\w+)"', block).group(1),
                "link": html.unescape(
                    re.search(r'<a href="([^"]+)" data-testid="hit-link"', block).group(1)
                ),
                "snippet": snippet,
                "marked": " ".join(re.findall(r"<mark>(.*?)</mark>", snippet)),
                "block": block,
            }
        )
    return found


def convened_with(a, titles: list[str], summary: str = ""):
    clerk = factories.staff(a)
    s = factories.sitting(a, clerk=clerk, items=0, notes=False)
    for title in titles:
        services.item_add(sitting=s, user=clerk, title=title, summary=summary, kind="information")
    services.convocation_send(sitting=s, user=clerk)
    return s


def test_an_item_is_found_once_convened_accents_and_case_aside(client):
    a = factories.assembly(members=5)
    s = convened_with(a, ["Réfection de l'école élémentaire Jules-Ferry"], "Travaux d'été.")
    item = s.items.get()
    for query in ["ecole elementaire", "ÉCOLE", "Élémentaire   école", "l'école", "travaux"]:
        found = hits(client.get(SEARCH, {"q": query}))
        assert [h["kind"] for h in found] == ["item"], query
        assert found[0]["link"] == reverse("archive-sitting", args=[s.pk]) + f"#item-{item.pk}"
        assert found[0]["marked"], query
    page = client.get(SEARCH, {"q": "ecole"}).content.decode()
    assert s.title in page and a.name in page and "Réfection de l" in page
    assert "1 résultat" in page
    assert f'id="item-{item.pk}"' in client.get(found[0]["link"]).content.decode()
    assert hits(client.get(SEARCH, {"q": "piscine"})) == []


def test_a_draft_sitting_of_another_assembly_is_never_found(client):
    a, other = factories.assembly(members=5), factories.assembly(members=5)
    convened_with(a, ["Gymnase municipal"])
    clerk = factories.staff(other)
    draft = factories.sitting(other, clerk=clerk, items=0, notes=False)
    services.item_add(sitting=draft, user=clerk, title="Gymnase secret", kind="information")
    call_command("search_reindex")  # the rebuild indexes no draft either
    assert not SearchEntry.objects.filter(sitting=draft).exists()
    found = hits(client.get(SEARCH, {"q": "gymnase"}))
    assert len(found) == 1 and "secret" not in found[0]["snippet"]
    assert hits(client.get(SEARCH, {"q": "secret"})) == []
    only_other = client.get(SEARCH, {"q": "gymnase", "assembly": other.slug})
    assert hits(only_other) == []


def test_a_deliberation_is_found_once_published_and_leads_to_its_act(client):
    s, _people, clerk = held_sitting()
    assert (
        hits(client.get(SEARCH, {"q": "cantine"})) == []
    )  # not convened through us, nothing public
    minutes.deliberations_publish(sitting=s, user=clerk)
    found = hits(client.get(SEARCH, {"q": "tarif CANTINES"}))
    assert sorted(h["kind"] for h in found) == ["deliberation", "item"]
    act = next(h for h in found if h["kind"] == "deliberation")
    deliberation = s.deliberations.get(item__title="Tarifs de la cantine")
    assert act["link"] == reverse("publication-pdf", args=[deliberation.publication_id])
    assert deliberation.identifier in act["snippet"]
    pdf = client.get(act["link"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # the information item has no deliberation, but is found as an item
    assert [h["kind"] for h in hits(client.get(SEARCH, {"q": "étape PLU"}))] == ["item"]


def test_hostile_text_stays_text_and_the_words_are_marked(client):
    a = factories.assembly(members=5)
    convened_with(a, ['<script>alert("x")</script> <b>Piscine</b> \ue000olympique\ue001'])
    response = client.get(SEARCH, {"q": "piscine"})
    found = hits(response)
    assert len(found) == 1
    snippet = found[0]["snippet"]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "<script>alert" not in response.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in found[0]["block"]
    assert found[0]["marked"].lower() == "piscine"
    assert "\ue000" not in snippet and "<mark>olympique" not in snippet


@pytest.mark.parametrize(
    "query",
    [
        '"', '""', "piscine\"", '"piscine', "piscine OR", "NEAR(piscine école)", "text:piscine",
        "piscine*", "-piscine", "piscine AND NOT", "(piscine", "^piscine", "piscine + école",
        "'; DROP TABLE sittings_searchentry; --", "piscine & | ! :*", "{text}: piscine",
    ],
)  # fmt: skip
def test_query_syntax_of_the_engines_is_only_words(client, query):
    a = factories.assembly(members=5)
    convened_with(a, ["Piscine et école"])
    response = client.get(SEARCH, {"q": query})
    assert response.status_code in (200, 400), query
    if response.status_code == 400:
        assert "Saisissez au moins un mot" in response.content.decode()
    else:
        assert all(h["kind"] == "item" for h in hits(response))
    assert hits(client.get(SEARCH, {"q": "piscine"}))  # the table is still there


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 201}, "trop longue"),
        ({"q": " ".join(f"mot{i}" for i in range(13))}, "trop de mots"),
        ({"q": "piscine\x00"}, "caractères"),
        ({"q": "piscine\x1b[0m"}, "caractères"),
        ({"q": "   "}, "Saisissez au moins un mot"),
        ({"q": "*** ???"}, "Saisissez au moins un mot"),
        ({"q": "piscine", "page": "abc"}, "page de résultats"),
        ({"q": "piscine", "page": "-1"}, "page de résultats"),
        ({"q": "piscine", "page": "0"}, "page de résultats"),
        ({"q": "piscine", "page": "99"}, "page de résultats"),
        ({"q": "piscine", "assembly": "nowhere"}, "Assemblée introuvable"),
    ],
)
def test_a_malformed_query_is_a_french_400(client, params, message):
    a = factories.assembly(members=5)
    convened_with(a, ["Piscine"])
    response = client.get(SEARCH, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'data-testid="search-error"' in body
    assert 'role="search"' in body  # the form is there to try again


def test_results_are_paginated(client):
    a = factories.assembly(members=5)
    convened_with(a, [f"Voirie, rue numéro {i}" for i in range(25)])
    first = client.get(SEARCH, {"q": "voirie"})
    assert len(hits(first)) == 20
    body = first.content.decode()
    assert "25 résultats" in body and "page 1 sur 2" in body and 'rel="next"' in body
    second = client.get(SEARCH, {"q": "voirie", "page": "2"})
    assert len(hits(second)) == 5 and 'rel="prev"' in second.content.decode()
    ids = {h["link"] for h in hits(first)} | {h["link"] for h in hits(second)}
    assert len(ids) == 25


def test_the_archive_index_has_the_search_box_and_no_cookie(client):
    page = client.get("/archive/")
    body = page.content.decode()
    assert 'role="search"' in body and f'action="{SEARCH}"' in body
    assert 'name="q"' in body and "Rechercher" in body
    response = client.get(SEARCH, {"q": "rien"})
    assert "set-cookie" not in {k.lower() for k in response.headers}
    assert (
        "Aucun résultat" in response.content.decode() or "0 résultat" in response.content.decode()
    )


def test_the_rebuild_finds_the_same(client):
    a = factories.assembly(members=5)
    convened_with(a, ["Médiathèque"])
    before = hits(client.get(SEARCH, {"q": "mediatheque"}))
    SearchEntry.objects.all().delete()
    assert hits(client.get(SEARCH, {"q": "mediatheque"})) == []
    call_command("search_reindex")
    assert hits(client.get(SEARCH, {"q": "mediatheque"})) == before
