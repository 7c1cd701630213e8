"""Every vote recounted from its stored ballots against the vote log (R16, R19, R22, R31).

Called by `verify.chain_verify` once the chain's hashes hold, with the chain's records: the
chain is the reference, the tables are checked against it.

- Public votes (electronic, roll call; a show of hands whose names were recorded): each
  `Ballot` row is the "ballot" record that logged it, no more, no fewer, and the closed
  record's result (counts, names, adopted) is what those ballots give.
- Secret votes (secret ballot, election): the box (`SecretBallot` rows) is, sorted, the
  "box" the closed record holds, as many ballots as participations were logged, and the
  result's counts are the box's; each `SecretParticipation` row was logged.
- A show of hands counted by the chair has no ballots: its result must add up.
- Every vote: opened once, closed once if closed, and the row's result, adoption and
  winner are the closed record's.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from council.models import Member
from council.regime import BLANK, MOTION_CHOICES, regime_for

from .chain import Altered
from .models import Ballot, Choice, SecretBallot, SecretParticipation, Vote, VoteRecord

MOTION = (*MOTION_CHOICES, BLANK)  # every choice a motion's ballot may hold (R16)


def votes_recount(walked: list[VoteRecord]) -> int:
    """Check every vote of the database against its records; returns how many closed votes
    were recounted."""
    by_vote: dict[int, list[VoteRecord]] = {}
    for record in walked:
        by_vote.setdefault(record.vote_id, []).append(record)
    recounted = 0
    for vote in Vote.objects.order_by("id"):
        recounted += vote_recount(vote, by_vote.pop(vote.pk, []))
    if by_vote:
        first = min(by_vote)
        raise Altered(
            f"the chain logs vote {first}, which is not in the database", by_vote[first][0]
        )
    return recounted


def _one(vote: Vote, records: list[VoteRecord], kind: str) -> VoteRecord | None:
    found = [r for r in records if r.kind == kind]
    if len(found) > 1:
        raise Altered(f"vote {vote.pk} has {len(found)} “{kind}” records", found[1])
    return found[0] if found else None


def vote_recount(vote: Vote, records: list[VoteRecord]) -> int:
    """One vote against its records; 1 if it was closed (and so recounted), else 0."""
    opened = _one(vote, records, "opened")
    closed = _one(vote, records, "closed")
    if opened is None:
        raise Altered(f"vote {vote.pk} has no “opened” record in the chain", vote_id=vote.pk)
    if vote.state == Vote.State.CLOSED and closed is None:
        raise Altered(
            f"vote {vote.pk} is closed but the chain has no “closed” record for it "
            "(the log was cut, or the vote closed outside it)",
            vote_id=vote.pk,
        )
    if closed is not None and vote.state != Vote.State.CLOSED:
        raise Altered(f"vote {vote.pk} is open in the database but closed in the chain", closed)
    if (opened.payload.get("purpose") or Vote.Purpose.DELIBERATION) != vote.purpose:
        raise Altered(f"vote {vote.pk}: what it decides differs from the chain's", opened)
    ballots = [r for r in records if r.kind == "ballot"]
    if vote.is_secret:
        _secret_recount(vote, opened, ballots, closed)
    else:
        _public_recount(vote, opened, ballots, closed)
    if closed is not None:
        _stored_result(vote, closed)
    return int(closed is not None)


# --- public votes -----------------------------------------------------------------------


def _public_recount(
    vote: Vote, opened: VoteRecord, ballots: list[VoteRecord], closed: VoteRecord | None
) -> None:
    rows = _ballot_rows(vote, ballots)
    if closed is None:
        return
    result = closed.payload.get("result") or {}
    if vote.kind == Vote.Kind.HANDS:
        _motion_sums(vote, closed, result)  # the chair's counts: nothing to recount
        if "chair_vote" in result:  # R16: the decision follows the counts and the chair's vote
            adopted = _decision(vote, opened, result, result["chair_vote"])
            if result.get("adopted") != adopted:
                raise Altered(f"vote {vote.pk}: the counts do not give the logged decision", closed)
        return
    choices = {b.member_id: b.choice for b in rows.values()}
    _motion_counts(vote, closed, result, Counter(choices.values()), "ballots")
    eligible = opened.payload.get("eligible") or []
    names = {
        c: [v["name"] for v in eligible if choices.get(v["member"]) == c] for c in MOTION_CHOICES
    }
    if "names" in result and result["names"] != names:
        raise Altered(f"vote {vote.pk}: the names in the result are not the ballots'", closed)
    adopted = _decision(vote, opened, result, choices.get(vote.chair_id))
    if result.get("adopted") != adopted:
        raise Altered(f"vote {vote.pk}: the ballots do not give the logged decision", closed)


def _ballot_rows(vote: Vote, ballots: list[VoteRecord]) -> dict[int, Ballot]:
    """Each `Ballot` row of the vote is the "ballot" record that logged it, no more, no
    fewer; returns the rows by id."""
    logged = {r.payload.get("ballot"): r for r in ballots}
    rows = {b.pk: b for b in Ballot.objects.filter(vote=vote)}
    for pk, ballot in rows.items():
        record = logged.get(pk)
        if record is None:
            raise Altered(
                f"ballot {pk} (vote {vote.pk}, member {ballot.member_id}) is not in the chain: "
                "it was added to the database",
                vote_id=vote.pk,
            )
        stored = {"member": ballot.member_id, "cast_by": ballot.cast_by_id, "choice": ballot.choice}
        if stored != {k: record.payload.get(k) for k in stored}:
            raise Altered(f"ballot {pk} differs from its record", record)
    for pk, record in logged.items():
        if pk not in rows:
            raise Altered(f"ballot {pk} of the chain is missing from the database", record)
    return rows


def _decision(
    vote: Vote, opened: VoteRecord, result: dict[str, Any], chair_choice: str | None
) -> bool:
    """The decision the counts give, by the rule the closing applied (`Regime.decision`):
    for the vote on the closed session (R25, as the chain opened it), the absolute majority
    of its voices; else R16's motion outcome."""
    decision = regime_for(vote.sitting.assembly).decision(
        int(result["for"]),
        int(result["against"]),
        voices=len(opened.payload.get("eligible") or []),
        closed_session=opened.payload.get("purpose") == Vote.Purpose.CLOSED_SESSION,
        secret=False,
        chair_choice=chair_choice,
    )
    return decision.adopted


def _motion_sums(vote: Vote, closed: VoteRecord, result: dict[str, Any]) -> None:
    try:
        counts = {k: int(result.get(k, 0)) for k in MOTION}
        cast, expressed = int(result["cast"]), int(result["expressed"])
    except (KeyError, TypeError, ValueError):
        raise Altered(f"vote {vote.pk}: the closed record's result is incomplete", closed) from None
    if cast != sum(counts.values()) or expressed != counts["for"] + counts["against"]:
        raise Altered(f"vote {vote.pk}: the closed record's counts do not add up", closed)


def _motion_counts(
    vote: Vote, closed: VoteRecord, result: dict[str, Any], tally: Counter[str], what: str
) -> None:
    """The result's for / against / abstain / blank are the tally's, and add up."""
    counted = {k: tally.get(k, 0) for k in MOTION}
    logged = {k: result.get(k, 0) for k in MOTION}
    if counted != logged or set(tally) - set(MOTION):
        recount = ", ".join(f"{k} {n}" for k, n in sorted(tally.items()))
        said = ", ".join(f"{k} {n}" for k, n in logged.items())
        raise Altered(
            f"vote {vote.pk}: the recount of the {what} ({recount}) differs from the "
            f"logged result ({said})",
            closed,
        )
    _motion_sums(vote, closed, result)


# --- secret votes -----------------------------------------------------------------------


def _secret_recount(
    vote: Vote, opened: VoteRecord, ballots: list[VoteRecord], closed: VoteRecord | None
) -> None:
    logged = Counter(r.payload.get("member") for r in ballots)
    twice = [m for m, n in logged.items() if n > 1]
    if twice:
        raise Altered(
            f"vote {vote.pk}: member {twice[0]}'s participation is logged twice", vote_id=vote.pk
        )
    stored = set(SecretParticipation.objects.filter(vote=vote).values_list("member_id", flat=True))
    if stored != set(logged):
        extra = sorted(stored - set(logged)) or sorted(set(logged) - stored)
        where = "not in the chain" if stored - set(logged) else "missing from the database"
        raise Altered(
            f"vote {vote.pk}: the participation of member {extra[0]} is {where}", vote_id=vote.pk
        )
    if closed is None:
        return
    box = sorted(SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True))
    logged_box = closed.payload.get("box")
    if logged_box is not None:
        if box != sorted(logged_box):
            raise Altered(_box_difference(vote, box, logged_box), closed)
        box = sorted(logged_box)
    if len(box) != len(ballots):
        raise Altered(
            f"vote {vote.pk}: the box holds {len(box)} ballots but {len(ballots)} "
            "participations were logged",
            closed,
        )
    result = closed.payload.get("result") or {}
    if vote.kind == Vote.Kind.ELECTION:
        _election_counts(vote, opened, closed, result, Counter(box))
    else:
        _motion_counts(vote, closed, result, Counter(box), "secret ballots")
        adopted, _casting = regime_for(vote.sitting.assembly).motion_outcome(
            result["for"], result["against"], secret=True, chair_choice=None
        )
        if result.get("adopted") != adopted:
            raise Altered(f"vote {vote.pk}: the box does not give the logged decision", closed)


def _box_difference(vote: Vote, box: list[str], logged: list[str]) -> str:
    if len(box) != len(logged):
        return (
            f"vote {vote.pk}: the ballot box holds {len(box)} ballots, the chain's closed "
            f"record {len(logged)} (a secret ballot was added or removed)"
        )
    more = sorted((Counter(box) - Counter(logged)).elements())
    fewer = sorted((Counter(logged) - Counter(box)).elements())
    return (
        f"vote {vote.pk}: the ballot box differs from the chain's closed record "
        f"(a secret ballot was changed: {', '.join(fewer)} became {', '.join(more)})"
    )


def _election_counts(
    vote: Vote, opened: VoteRecord, closed: VoteRecord, result: dict[str, Any], box: Counter[str]
) -> None:
    ids = [int(c) for c in opened.payload.get("candidates") or []]
    full = {m.pk: m.full_name for m in Member.objects.filter(pk__in=ids)}
    strange = set(box) - {str(c) for c in ids} - {Choice.BLANK.value}
    counted = {full.get(c, str(c)): box.get(str(c), 0) for c in ids}
    blank, cast = box.get(Choice.BLANK.value, 0), sum(box.values())
    said = (result.get("tallies"), result.get("blank"), result.get("cast"))
    if strange or said != (counted, blank, cast):
        raise Altered(
            f"vote {vote.pk}: the recount of the box ({counted}, blank {blank}) differs "
            f"from the logged result ({said[0]}, blank {said[1]})",
            closed,
        )
    if result.get("expressed") != sum(counted.values()):
        raise Altered(f"vote {vote.pk}: the closed record's counts do not add up", closed)


# --- the vote row -----------------------------------------------------------------------


def _stored_result(vote: Vote, closed: VoteRecord) -> None:
    """The row the pages, minutes and deliberations read says what the chain says."""
    result = closed.payload.get("result")
    if vote.result != result:
        raise Altered(f"vote {vote.pk}: its stored result differs from the chain's", closed)
    if vote.kind == Vote.Kind.ELECTION:
        same = vote.winner_id == (result or {}).get("winner_id")
    else:
        same = vote.adopted == (result or {}).get("adopted")
    if not same:
        raise Altered(f"vote {vote.pk}: its stored decision differs from the chain's", closed)
