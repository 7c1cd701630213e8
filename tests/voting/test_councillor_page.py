"""A councillor's public page, as a citizen sees it: what they said in the replays (each
intervention a link to its moment), their votes in public ballots (a proxy's ballot says
who cast it), never a secret ballot; linked from the sitting's archive page and from the
search; a councillor of another assembly or an unknown id is a French 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sessions import services as sittings
from sessions.search.services import Spoken, search_index_spoken
from tests import factories
from voting import services as voting

pytestmark = pytest.mark.django_db


def councillor_sitting():
    """Six members, the sixth absent and represented by the third (R14). Item 1: an
    electronic vote, the holder casting both ballots; item 2: a secret ballot; the
    third's speech on item 1 in the index, as a finished transcript gives it."""
    a = factories.assembly(members=6, population=1_000)
    people = list(a.members.order_by("id"))
    s = factories.in_session(a, present=5, proxies=[(people[5], people[2])], items=2)
    first, second = s.items.order_by("position")
    vote = voting.vote_open(item=first, kind="electronic", user=None)
    for i, choice in enumerate(["for", "for", "for", "against", "abstain"]):
        voting.ballot_cast(vote=vote, voter=people[i], choice=choice, client_id=f"pub-{i}-ballot")
    voting.ballot_cast(
        vote=vote, voter=people[2], on_behalf_of=people[5], choice="against",
        client_id="pub-5-proxy",
    )  # fmt: skip
    voting.vote_close(vote=vote, user=None, confirm=True)
    sittings.item_take_up(sitting=s, item=second, user=None)
    secret = voting.vote_open(
        item=second, kind="secret", user=None, requests={"secret": [people[0].id, people[1].id]}
    )
    for i in range(5):
        voting.ballot_cast(vote=secret, voter=people[i], choice="for", client_id=f"sec-{i}-ballot")
    voting.ballot_cast(
        vote=secret, voter=people[2], on_behalf_of=people[5], choice="against",
        client_id="sec-5-proxy",
    )  # fmt: skip
    voting.vote_close(vote=secret, user=None, confirm=True)
    search_index_spoken(
        sitting=s,
        spoken=[
            Spoken(12.4, 18.0, "Je soutiens la rénovation du gymnase <b>municipal</b>.",
                   people[2].id, people[2].full_name, "Conseiller municipal", first.id),
            Spoken(19.0, 22.0, "Et la piscine aussi.", people[2].id, people[2].full_name,
                   "Conseiller municipal", first.id),
            Spoken(30.0, 33.0, "La parole est à Madame.", people[0].id, people[0].full_name,
                   "Maire", first.id),
        ],
    )  # fmt: skip
    return s, people


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
