"""A councillor's sitting with their votes: where the councillor page
and the archive search start from."""

from __future__ import annotations

from sessions import services as sittings
from sessions.search.services import Spoken, search_index_spoken
from tests import factories
from voting import services as voting


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
