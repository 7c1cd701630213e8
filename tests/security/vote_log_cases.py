"""A held sitting's vote log as published, and an attacker's rewriting of it."""

from __future__ import annotations

import re

from pypdf import PdfReader

from sessions import services as sittings
from sessions.minutes import services as minutes
from tests import factories as f
from tests.security.tamper import rechain
from voting import services
from voting.models import Ballot, Vote, VoteRecord

PUBLIC = ["for", "for", "for", "for", "against", "against", "against"]  # adopted 4 to 3
SECRET = ["for", "for", "against", "abstain", "blank", "for", "against"]


def held_sitting() -> dict:
    """Seven members, all present; four items, each decided by a different kind of vote;
    the sitting closed and its list of deliberations published."""
    a = f.assembly(members=7, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=0, notes=False)
    kinds = ["deliberation", "deliberation", "election", "deliberation"]
    items = [
        sittings.item_add(sitting=s, user=clerk, title=f"Point {i + 1}", kind=kind, matter=f.MATTER)
        for i, kind in enumerate(kinds)
    ]
    sittings.convocation_send(sitting=s, user=clerk)
    people = list(a.members.order_by("id"))
    f.arrive(s, people)
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    votes = {}

    def vote(item, kind, choices, **kw):
        sittings.item_take_up(sitting=s, item=item, user=None)
        v = services.vote_open(item=item, kind=kind, user=None, **kw)
        for member, choice in zip(people, choices, strict=False):
            cast(v, member, choice)
        votes[kind] = services.vote_close(vote=v, user=None, confirm=True)

    vote(items[0], "electronic", PUBLIC)
    vote(items[1], "secret", SECRET, requests={"secret": [m.id for m in people[:3]]})
    c1, c2 = people[2], people[3]
    vote(items[2], "election", [str(c1.id)] * 4 + [str(c2.id)] * 2 + ["blank"], candidates=[c1, c2])
    sittings.item_take_up(sitting=s, item=items[3], user=None)
    hands = services.vote_open(item=items[3], kind="hands", user=None)
    votes["hands"] = services.vote_close(
        vote=hands, user=None, counts={"for": 5, "against": 1, "abstain": 1}, confirm=True
    )
    s = sittings.sitting_close(sitting=s, user=clerk)
    listing = minutes.deliberations_publish(sitting=s, user=clerk)
    return {"sitting": s, "people": people, "votes": votes, "listing": listing}


def published_head(listing) -> str:
    """The vote log's head as the published list of deliberations prints it."""
    text = "".join(page.extract_text() for page in PdfReader(listing.document.open("rb")).pages)
    found = re.findall(r"\b[0-9a-f]{64}\b", text.replace("\n", ""))
    assert len(found) == 1, text
    return found[0]


def rewrite_public_ballot(held, digest) -> Ballot:
    """The audit's rewrite: a public ballot changed in the tables and in the chain, the
    result and the decision with it, every hash after it recomputed with `digest`."""
    vote, member = held["votes"]["electronic"], held["people"][3]
    rechain(
        digest, lambda r: flip(r, member.id, member.full_name) if r.vote_id == vote.pk else None
    )
    ballot = Ballot.objects.get(vote=vote, member=member)
    Ballot.objects.filter(pk=ballot.pk).update(choice="against")
    closed = vote.records.get(kind="closed")
    Vote.objects.filter(pk=vote.pk).update(result=closed.payload["result"], adopted=False)
    return ballot


def cast(vote: Vote, member, choice: str) -> None:
    services.ballot_cast(
        vote=vote, voter=member, choice=choice, client_id=f"ballot-{vote.id}-{member.id}"
    )


def flip(record: VoteRecord, member_id: int, name: str) -> dict | None:
    """A public ballot turned from for to against, and the close's result made to match."""
    payload = dict(record.payload)
    if record.kind == "ballot" and payload.get("member") == member_id:
        return {**payload, "choice": "against"}
    if record.kind == "closed" and "names" in payload["result"]:
        r = dict(payload["result"])
        names = {k: list(v) for k, v in r["names"].items()}
        names["for"].remove(name)
        order = [v["name"] for v in record.vote.eligible]
        names["against"] = sorted([*names["against"], name], key=order.index)
        r.update(names=names, adopted=False, casting_vote=False)
        r["for"], r["against"] = r["for"] - 1, r["against"] + 1
        return {"result": r}
    return None
