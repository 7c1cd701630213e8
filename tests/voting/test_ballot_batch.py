"""Ballots cast together in one transaction (voting/intake.py, ballots_cast): a refused
ballot refuses only itself; the others are stored, chained and acknowledged."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async as sync_to_async

from council.errors import DomainError
from council.sockets import SessionRef
from sessions import services as sittings
from tests import factories as f
from voting import intake, services
from voting.intake import Arrival, Closing, ballot_arrived
from voting.models import Ballot, SecretBallot, SecretParticipation, VoteRecord
from voting.services.ballots import BallotRequest, Receipt, ballots_cast
from voting.verify import chain_verify


def _open_vote(kind: str = "electronic", members: int = 8):
    a = f.assembly(members=members, population=1_000)
    people = list(a.members.order_by("id"))
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, people[:-1])  # the last one is absent
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    item = s.items.first()
    sittings.item_take_up(sitting=s, item=item, user=None)
    requests = {"secret": [m.id for m in people[: members // 3 + 1]]} if kind == "secret" else {}
    vote = services.vote_open(item=item, kind=kind, user=None, requests=requests)
    return vote, people


@pytest.mark.django_db
def test_one_refused_ballot_does_not_sink_its_batch():
    vote, people = _open_vote()
    requests = [
        BallotRequest(people[0], "for", "batch-0000"),
        BallotRequest(people[1], "maybe", "batch-0001"),  # no such choice
        BallotRequest(people[2], "against", "batch-0002"),
        BallotRequest(people[-1], "for", "batch-0003"),  # absent
        BallotRequest(people[2], "for", "batch-0004"),  # a second ballot in the same name
        BallotRequest(people[0], "for", "batch-0000"),  # the first one sent again
        BallotRequest(people[3], "abstain", "batch-0006"),
    ]
    outcomes = ballots_cast(vote=vote, requests=requests)
    codes = [o.code if isinstance(o, DomainError) else "ok" for o in outcomes]
    assert codes == ["ok", "invalid_choice", "ok", "member_absent", "already_voted", "ok", "ok"]
    assert [o.duplicate for o in outcomes if isinstance(o, Receipt)] == [False, False, True, False]
    stored = Ballot.objects.filter(vote=vote).order_by("member_id")
    assert [(b.member_id, b.choice) for b in stored] == [
        (people[0].id, "for"),
        (people[2].id, "against"),
        (people[3].id, "abstain"),
    ]
    records = VoteRecord.objects.filter(vote=vote, kind="ballot").order_by("id")
    assert [r.payload["member"] for r in records] == [people[0].id, people[2].id, people[3].id]
    services.vote_close(vote=vote, user=None, confirm=True)
    assert chain_verify().ok


@pytest.mark.django_db
def test_a_batch_meeting_a_ballot_stored_meanwhile_falls_back_one_by_one():
    vote, people = _open_vote()
    services.ballot_cast(vote=vote, voter=people[1], choice="for", client_id="first-0001")
    # The same name under another client id, written by the database's refusal only.
    Ballot.objects.filter(vote=vote).update(client_id="other-0001")
    outcomes = ballots_cast(
        vote=vote,
        requests=[
            BallotRequest(people[0], "for", "batch-0000"),
            BallotRequest(people[1], "against", "batch-0001"),
        ],
    )
    assert isinstance(outcomes[0], Receipt)
    assert isinstance(outcomes[1], DomainError) and outcomes[1].code == "already_voted"
    assert Ballot.objects.filter(vote=vote).count() == 2


@pytest.mark.django_db
def test_a_secret_batch_puts_every_choice_in_the_box_once():
    vote, people = _open_vote("secret")
    assert vote.is_secret
    requests = [BallotRequest(m, "for", f"secret-{i:04d}") for i, m in enumerate(people[:4])]
    requests.append(BallotRequest(people[4], "nope", "secret-0004"))
    outcomes = ballots_cast(vote=vote, requests=requests)
    assert [isinstance(o, Receipt) for o in outcomes] == [True] * 4 + [False]
    assert SecretParticipation.objects.filter(vote=vote).count() == 4
    assert (
        sorted(SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True))
        == ["for"] * 4
    )


@pytest.mark.django_db(transaction=True)
async def test_ballots_arriving_together_are_each_acknowledged_after_their_batch():
    vote, people = await sync_to_async(_open_vote)(members=13)

    def arrival(i: int) -> Arrival:
        user = people[i].user
        message = {
            "action": "ballot",
            "vote": vote.id,
            "choice": "blank?" if i == 5 else "for",
            "client_id": f"together-{i:04d}",
        }
        return Arrival(user, SessionRef(user.id, None, False, False), message)

    outcomes = await asyncio.gather(
        *(ballot_arrived(vote.sitting_id, arrival(i)) for i in range(12))
    )
    assert isinstance(outcomes[5], DomainError) and outcomes[5].code == "invalid_choice"
    receipts = [o for i, o in enumerate(outcomes) if i != 5]
    assert all(isinstance(r, dict) and not r["duplicate"] for r in receipts)

    @sync_to_async
    def stored_and_chained():
        stored = set(Ballot.objects.filter(vote=vote).values_list("client_id", flat=True))
        records = VoteRecord.objects.filter(vote=vote, kind="ballot").count()
        return stored, records, chain_verify().ok

    stored, records, chain_ok = await stored_and_chained()
    assert stored == {r["client_id"] for r in receipts}
    assert records == 11
    assert chain_ok


def _ballot(vote, member, n: int) -> Arrival:
    message = {"action": "ballot", "vote": vote.id, "choice": "for", "client_id": f"burst-{n:04d}"}
    return Arrival(member.user, SessionRef(member.user.id, None, False, False), message)


def _batches_counted(monkeypatch) -> list[int]:
    sizes: list[int] = []
    written = intake.ballots_received

    def counted(sitting_id, arrivals):
        sizes.append(len(arrivals))
        return written(sitting_id, arrivals)

    monkeypatch.setattr(intake, "ballots_received", counted)
    return sizes


@pytest.mark.django_db(transaction=True)
async def test_a_burst_arriving_in_waves_is_written_in_one_batch(monkeypatch):
    """The holders' ballots in their grantors' names reach the server a few milliseconds
    after the first ones: they join the same batch rather than wait for a second one."""
    vote, people = await sync_to_async(_open_vote)(members=13)
    monkeypatch.setattr(intake, "BURST_PAUSE", 0.2)  # a slow machine's gap, and more
    sizes = _batches_counted(monkeypatch)

    async def after_a_gap(i: int):
        await asyncio.sleep(0.02)
        return await ballot_arrived(vote.sitting_id, _ballot(vote, people[i], i))

    first = [ballot_arrived(vote.sitting_id, _ballot(vote, people[i], i)) for i in range(6)]
    outcomes = await asyncio.gather(*first, *(after_a_gap(i) for i in range(6, 12)))
    assert all(isinstance(o, dict) and not o["duplicate"] for o in outcomes)
    assert sizes == [12]


@pytest.mark.django_db(transaction=True)
async def test_a_ballot_alone_waits_for_no_burst(monkeypatch):
    vote, people = await sync_to_async(_open_vote)(members=4)
    monkeypatch.setattr(intake, "BURST_PAUSE", 60.0)
    monkeypatch.setattr(intake, "BURST_MAX", 60.0)
    sizes = _batches_counted(monkeypatch)
    alone = ballot_arrived(vote.sitting_id, _ballot(vote, people[0], 0))
    outcome = await asyncio.wait_for(alone, timeout=20)
    assert isinstance(outcome, dict) and sizes == [1]


@pytest.mark.django_db(transaction=True)
async def test_a_batch_closes_the_sockets_whose_access_is_gone_and_refuses_bad_ballots_alone():
    vote, people = await sync_to_async(_open_vote)(members=8)
    other_vote, _other = await sync_to_async(_open_vote)(members=4)
    clerk = await sync_to_async(lambda: f.staff(vote.sitting.assembly))()

    def arrival(user, client_id: str, session_key: str | None = None, **extra) -> Arrival:
        ref = SessionRef(user.id, session_key, session_key is not None, False)
        message = {"action": "ballot", "vote": vote.id, "choice": "for", "client_id": client_id}
        return Arrival(user, ref, {**message, **extra})

    arrivals = [
        arrival(people[0].user, "batch-ok-0000"),
        arrival(people[1].user, "batch-gone-0001", session_key="no-such-session-key"),
        arrival(clerk, "batch-clerk-0002"),
        arrival(people[2].user, "batch-other-0003", vote=other_vote.id),
        arrival(people[3].user, "batch-proxy-0004", on_behalf_of=999_999),
        arrival(people[4].user, "batch-ok-0005"),
    ]
    outcomes = await asyncio.gather(*(ballot_arrived(vote.sitting_id, a) for a in arrivals))
    assert isinstance(outcomes[1], Closing) and outcomes[1].error.code == "session_ended"
    codes = [o.code for o in outcomes[2:5]]
    assert codes == ["not_member", "unknown_vote", "unknown_member"]
    assert [o["member"] for o in (outcomes[0], outcomes[5])] == [people[0].id, people[4].id]
    stored = await sync_to_async(
        lambda: sorted(Ballot.objects.filter(vote=vote).values_list("client_id", flat=True))
    )()
    assert stored == ["batch-ok-0000", "batch-ok-0005"]
