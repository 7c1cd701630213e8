"""A councillor's public page, as a citizen sees it: what they said in the replays (each
intervention a link to its moment), their votes in public ballots (a proxy's ballot says
who cast it), never a secret ballot; linked from the sitting's archive page and from the
search; a councillor of another assembly or an unknown id is a French 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.voting.councillor_sittings import councillor_sitting

pytestmark = pytest.mark.django_db


def page_of(client, member):
    url = reverse("councillor", args=[member.assembly.slug, member.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def rows(body: str, testid: str) -> list[str]:
    return [
        b.split("</tr>")[0].split("</li>")[0] for b in body.split(f'data-testid="{testid}"')[1:]
    ]


def test_the_holder_sees_their_public_vote_and_what_they_said(client):
    s, people = councillor_sitting()
    body = page_of(client, people[2])
    assert people[2].full_name in body
    ballots = rows(body, "public-ballot")
    assert len(ballots) == 1  # the secret ballot is not there
    assert "Pour" in ballots[0] and "Délibération 1" in ballots[0] and "procuration" not in body
    said = rows(body, "intervention")
    assert len(said) == 2 and "la piscine aussi" in said[1]
    assert "&lt;b&gt;municipal&lt;/b&gt;" in said[0] and "<b>municipal" not in body
    links = re.findall(r'href="([^"]+)" data-testid="intervention-link"', body)
    assert links == [
        reverse("replay", args=[s.pk]) + "#t=12",
        reverse("replay", args=[s.pk]) + "#t=19",
    ]
    assert body.index(s.title) < body.index("1. Délibération 1")
    assert "La parole est à Madame" not in body  # the chair's words are the chair's


def test_a_ballot_cast_by_proxy_says_who_cast_it_and_a_secret_ballot_never_shows(client):
    _s, people = councillor_sitting()
    body = page_of(client, people[5])
    ballots = rows(body, "public-ballot")
    assert len(ballots) == 1 and "Contre" in ballots[0]
    assert f"par procuration, vote exprimé par {people[2].full_name}" in ballots[0]
    assert "Scrutin secret" not in body and "Délibération 2" not in body
    assert 'data-testid="no-interventions"' in body
    assert "set-cookie" not in {k.lower() for k in client.get("/archive/").headers}


def test_the_archive_page_and_the_search_link_to_the_councillors(client):
    s, people = councillor_sitting()
    archive = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    members = archive.split('data-testid="sitting-members"')[1].split("</ul>")[0]
    for member in people:
        assert reverse("councillor", args=[s.assembly.slug, member.pk]) in members
    assert f"représenté(e) par {people[2].full_name}" in members
    search = client.get("/archive/search/", {"q": "gymnase"}).content.decode()
    speaker = search.split('data-testid="hit-speaker"')[1].split("</p>")[0]
    assert reverse("councillor", args=[s.assembly.slug, people[2].pk]) in speaker


@pytest.mark.parametrize("case", ["other_assembly", "unknown", "wrong_slug"])
def test_another_assembly_or_an_unknown_id_is_a_french_404(client, case):
    _s, people = councillor_sitting()
    other = factories.assembly(members=2)
    stranger = other.members.first()
    url = {
        "other_assembly": f"/archive/{people[0].assembly.slug}/councillors/{stranger.pk}/",
        "unknown": f"/archive/{people[0].assembly.slug}/councillors/999999999/",
        "wrong_slug": f"/archive/nowhere/councillors/{people[0].pk}/",
    }[case]
    response = client.get(url)
    assert response.status_code == 404
    assert "Cet élu n’existe pas dans cette assemblée." in response.content.decode()
