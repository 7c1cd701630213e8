"""150 ballots at once against the real database: exactly 150 stored, the right result."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from sessions import services as sittings
from tests import factories as f
from voting import services
from voting.errors import BallotRefused
from voting.models import Ballot, VoteRecord

pytestmark = pytest.mark.django_db(transaction=True)


def test_150_simultaneous_ballots_are_each_stored_once():
    a = f.assembly(members=150, population=1_000)
    people = list(a.members.order_by("id"))
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    holders, grantors = people[100:120], people[130:150]
    for holder, grantor in zip(holders, grantors, strict=True):
        sittings.proxy_grant(grantor=grantor, holder=holder, sittings=[s], user=None)
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, people[:130])
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    item = s.items.first()
    sittings.item_take_up(sitting=s, item=item, user=None)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    assert len(vote.eligible) == 150

    jobs = [(m, None) for m in people[:130]] + list(zip(holders, grantors, strict=True))

    def submit(job, suffix=""):
        voter, grantor = job
        name = grantor or voter
        choice = "for" if name.id % 3 else "against"
        try:
            return services.ballot_cast(
                vote=vote,
                voter=voter,
                on_behalf_of=grantor,
                choice=choice,
                client_id=f"ballot-{name.id:05d}{suffix}",
            )
        except BallotRefused as err:
            return err.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        receipts = list(pool.map(submit, jobs))
        replays = list(pool.map(submit, jobs[:20]))
        doubles = list(pool.map(lambda j: submit(j, "-again"), jobs[20:30]))
    assert all(not isinstance(r, str) and not r.duplicate for r in receipts)
    assert all(r.duplicate for r in replays)
    assert doubles == ["already_voted"] * 10
    assert Ballot.objects.filter(vote=vote).count() == 150
    assert VoteRecord.objects.filter(vote=vote, kind="ballot").count() == 150
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    expected_for = sum(1 for v in vote.eligible if v["member"] % 3)
    assert vote.result["for"] == expected_for
    assert vote.result["against"] == 150 - expected_for
    late = submit((people[0], None), "-late")
    assert late == "vote_closed"
