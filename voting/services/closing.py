"""Closing a vote: the result computed by the regime, logged and published (R16, R19)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from council.domain_events import VoteClosed, publish
from council.models import Member
from council.regime import MOTION_CHOICES, regime_for
from sessions.services.common import User, lock
from sessions.services.running import closed_session_decided
from voting.errors import VotingErrorCode

from ..ballot_box import box_contents, box_seal
from ..chain import record_append
from ..errors import InvalidChoice, VoteRefused
from ..models import Ballot, Choice, Vote
from ..selectors import ballot_choices
from .opening import vote_open


def _counts_checked(vote: Vote, counts: dict[str, Any]) -> Counter[str]:
    """The chair's counts of a show of hands, one per choice the regime offers (R16)."""
    try:
        tally = Counter({c: int(counts.get(c, 0)) for c in ballot_choices(vote)})
    except (TypeError, ValueError):
        raise InvalidChoice(
            _("The counts must be whole numbers."), code=VotingErrorCode.INVALID_COUNTS
        ) from None
    if any(n < 0 for n in tally.values()) or sum(tally.values()) > len(vote.eligible):
        raise InvalidChoice(
            _("The counts exceed the %(n)s voices of this vote.") % {"n": len(vote.eligible)},
            code=VotingErrorCode.INVALID_COUNTS,
        )
    return tally


@dataclass(frozen=True)
class _Tally:
    """The choices counted, the chair's own choice for a casting vote and, for a public
    vote cast by ballots, each name's choice (read once: the result names the voters)."""

    counts: Counter[str]
    chair_choice: str | None = None
    by_name: dict[int, str] | None = None


def _tally(vote: Vote, counts: dict[str, Any] | None) -> _Tally:
    if vote.kind == Vote.Kind.HANDS and counts is not None:
        return _Tally(_counts_checked(vote, counts), counts.get("chair_choice"))
    if vote.is_secret:
        return _Tally(Counter(box_seal(vote)))
    by_name = dict(Ballot.objects.filter(vote=vote).values_list("member_id", "choice"))
    return _Tally(Counter(by_name.values()), by_name.get(vote.chair_id), by_name)


def _chair_vote_checked(vote: Vote, tally: Counter[str], chair_choice: str | None) -> None:
    """R16: in a show of hands the chair enters their own vote with the counts; on a tie of
    a public vote it decides (voix prépondérante), so a tie is not closed without it. A chair
    with no voice in the vote (a declared interest) has no casting vote."""
    regime = regime_for(vote.sitting.assembly)
    closed_session = vote.purpose == Vote.Purpose.CLOSED_SESSION  # R25: no casting vote
    if vote.kind != Vote.Kind.HANDS or not regime.casting_vote_possible(
        secret=vote.is_secret, closed_session=closed_session
    ):
        return
    has_voice = any(v["member"] == vote.chair_id and v["by"] is None for v in vote.eligible)
    if chair_choice is not None:
        if not has_voice:
            raise InvalidChoice(
                _("The chair of this vote has no voice in it: there is no casting vote (R16)."),
                code=VotingErrorCode.CHAIR_HAS_NO_VOICE,
            )
        if tally[chair_choice] < 1:
            raise InvalidChoice(
                _("The chair's own vote must be one of the hands counted (R16)."),
                code=VotingErrorCode.CHAIR_VOTE_NOT_COUNTED,
            )
        return
    if has_voice and regime.casting_vote_applies(
        tally[Choice.FOR], tally[Choice.AGAINST], secret=False
    ):
        raise VoteRefused(
            _(
                "A tie, %(n)s for and %(n)s against: enter the chair's own vote, "
                "which decides (R16)."
            )
            % {"n": tally[Choice.FOR]},
            code=VotingErrorCode.CASTING_VOTE_MISSING,
        )


def _motion_result(vote: Vote, counted: _Tally) -> dict[str, Any]:
    """R16: the motion's counts and decision; R25: the vote on the closed session is decided
    by the absolute majority of the members present or represented, its voices, not of the
    votes expressed, with no casting vote (`Regime.decision`)."""
    tally, chair_choice = counted.counts, counted.chair_choice
    decision = regime_for(vote.sitting.assembly).decision(
        tally[Choice.FOR],
        tally[Choice.AGAINST],
        voices=len(vote.eligible),
        closed_session=vote.purpose == Vote.Purpose.CLOSED_SESSION,
        secret=vote.is_secret,
        chair_choice=chair_choice,
    )
    result: dict[str, Any] = {
        "for": tally[Choice.FOR],
        "against": tally[Choice.AGAINST],
        "abstain": tally[Choice.ABSTAIN],
        "blank": tally[Choice.BLANK],
        "voices": len(vote.eligible),
        "cast": sum(tally.values()),
        "expressed": tally[Choice.FOR] + tally[Choice.AGAINST],
        "adopted": decision.adopted,
        "casting_vote": decision.casting_vote,
    }
    if decision.majority is not None:
        result["majority"] = decision.majority
    if not vote.is_secret:
        # R16: the chair's own vote, which decides a tie (voix prépondérante).
        result["chair"] = vote.chair.full_name
        result["chair_vote"] = chair_choice
        names = counted.by_name
        if names is None:  # a show of hands: the chair's own vote, if recorded as a ballot
            names = dict(Ballot.objects.filter(vote=vote).values_list("member_id", "choice"))
        result["names"] = {
            c: [v["name"] for v in vote.eligible if names.get(v["member"]) == c]
            for c in MOTION_CHOICES
        }
    return result


def _election_result(vote: Vote, tally: Counter[str]) -> dict[str, Any]:
    regime = regime_for(vote.sitting.assembly)
    candidates = {c.id: c for c in vote.candidates.all()}
    tallies = {cid: tally.get(str(cid), 0) for cid in candidates}
    expressed = sum(tallies.values())
    winner = regime.election_winner(
        vote.round_no, tallies, expressed, {cid: c.birthdate for cid, c in candidates.items()}
    )
    return {
        "round": vote.round_no,
        "tallies": {candidates[c].full_name: n for c, n in tallies.items()},
        "blank": tally.get(Choice.BLANK, 0),
        "expressed": expressed,
        "cast": sum(tally.values()),
        "voices": len(vote.eligible),
        "winner": candidates[winner].full_name if winner else None,
        "winner_id": winner,
        "next_round": winner is None and vote.round_no < regime.election_max_rounds,
    }


def _check_confirmed(vote: Vote, tally: Counter[str], confirm: bool) -> None:
    """R16: the chair closes the vote; while voices are missing, only on a second, explicit
    confirmation ("5 voix exprimées sur 31 : confirmer la clôture ?")."""
    cast, voices = sum(tally.values()), len(vote.eligible)
    if confirm or not regime_for(vote.sitting.assembly).close_needs_confirmation(cast, voices):
        return
    raise VoteRefused(
        ngettext(
            "%(cast)s voice cast of %(voices)s: confirm the close?",
            "%(cast)s voices cast of %(voices)s: confirm the close?",
            cast,
        )
        % {"cast": cast, "voices": voices},
        code=VotingErrorCode.VOTE_CLOSE_UNCONFIRMED,
        cast=cast,
        voices=voices,
        missing=voices - cast,
    )


@transaction.atomic
def vote_close(
    *, vote: Vote, user: User, counts: dict[str, Any] | None = None, confirm: bool = False
) -> Vote:
    """Close and count. Refused with `vote_close_unconfirmed` while voices are missing,
    unless `confirm` (the chair's second click)."""
    sitting = lock(vote.sitting)
    vote = Vote.objects.select_for_update(of=("self",)).select_related("chair").get(pk=vote.pk)
    vote.sitting = sitting  # as locked, with its assembly: the regime's
    if not vote.is_open:
        raise VoteRefused(_("This vote is already closed."), code=VotingErrorCode.VOTE_CLOSED)
    counted = _tally(vote, counts)
    if counts is not None:
        _chair_vote_checked(vote, counted.counts, counted.chair_choice)
    _check_confirmed(vote, counted.counts, confirm)
    if vote.kind == Vote.Kind.ELECTION:
        result = _election_result(vote, counted.counts)
        vote.winner_id = result["winner_id"]
        vote.adopted = result["winner_id"] is not None
    else:
        result = _motion_result(vote, counted)
        vote.adopted = result["adopted"]
    vote.result = result
    vote.state = Vote.State.CLOSED
    vote.closed_at = timezone.now()
    vote.save(update_fields=["result", "state", "closed_at", "adopted", "winner"])
    closed: dict[str, Any] = {"result": result}
    if vote.is_secret:
        closed["box"] = box_contents(vote)  # the box as a whole, never ballot by ballot
    record_append(vote=vote, kind="closed", payload=closed)
    publish(VoteClosed(vote.sitting_id, vote=vote.id))
    if vote.purpose == Vote.Purpose.CLOSED_SESSION:
        closed_session_decided(
            sitting=vote.sitting,
            vote_id=vote.id,
            result=result,
            requested_by=list(vote.requests.get("closed_session", [])),
            user=user,
        )
    return vote


@transaction.atomic
def election_next_round(*, vote: Vote, user: User, candidates: list[Member] | None = None) -> Vote:
    """R19: a further round when no candidate won; the third is won by relative majority."""
    if vote.kind != Vote.Kind.ELECTION or vote.is_open or not (vote.result or {}).get("next_round"):
        raise VoteRefused(_("No further round is due."), code=VotingErrorCode.NO_NEXT_ROUND)
    assert vote.item is not None  # an election is on an item
    following = vote_open(
        item=vote.item,
        kind=Vote.Kind.ELECTION,
        user=user,
        question=vote.question,
        candidates=candidates or list(vote.candidates.all()),
        requests=vote.requests,
        # R20: the oldest member present chairs each round (the service finds them).
        chair=None
        if regime_for(vote.sitting.assembly).chaired_by_eldest(vote.item.kind)
        else vote.chair,
        round_no=vote.round_no + 1,
        previous_round=vote,
    )
    return following
