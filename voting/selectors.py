"""Reads of the voting app: what each audience may see of a vote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import ngettext

from council.models import Member
from council.regime import regime_for
from sessions.models import Sitting

from .models import Ballot, Choice, SecretParticipation, Vote


def open_vote(sitting: Sitting) -> Vote | None:
    """The sitting's open vote: one at most (the `one_open_vote` constraint)."""
    return Vote.objects.filter(sitting=sitting, state=Vote.State.OPEN).first()


def ballot_choices(vote: Vote, candidates: list[Member] | None = None) -> tuple[str, ...]:
    """R16, R19: the choices this vote's ballots offer, as the regime says; the pages show
    these (`ballot_options`) and the services accept only these."""
    if candidates is None:
        candidates = list(vote.candidates.all()) if vote.kind == Vote.Kind.ELECTION else []
    return regime_for(vote.sitting.assembly).ballot_choices(
        vote.kind, candidates=[c.id for c in candidates]
    )


def ballot_options(vote: Vote, candidates: list[Member]) -> list[dict[str, str]]:
    """The choices of `ballot_choices` with their words: a candidate's name, or the
    choice's (For, Against, Abstention, Blank)."""
    names = {str(c.id): c.full_name for c in candidates}
    return [
        {"value": value, "label": names.get(value) or str(Choice(value).label)}
        for value in ballot_choices(vote, candidates)
    ]


def current_vote(sitting: Sitting) -> Vote | None:
    """The open vote; or else the vote on the closed session (R25) if it is the last vote
    of the sitting, so that every page shows its result until the next vote; or else the
    last one closed on the item under discussion. Chosen from one light read of the
    sitting's votes, then read whole (every snapshot asks, most often to hear "none")."""
    rows = Vote.objects.filter(sitting=sitting).order_by("opened_at", "id")
    votes = list(rows.values_list("id", "state", "purpose", "item_id"))
    chosen = _current_vote_id(votes, sitting.current_item_id)
    if chosen is None:
        return None
    vote = Vote.objects.select_related("item").filter(pk=chosen).first()
    if vote is not None:
        vote.sitting = sitting  # the caller's, as read with its assembly (the regime's)
    return vote


def _current_vote_id(
    votes: Sequence[tuple[int, str, str, int | None]], current_item_id: int | None
) -> int | None:
    """current_vote's choice among the sitting's (id, state, purpose, item id), in order."""
    opened = next((v for v in votes if v[1] == Vote.State.OPEN), None)
    if opened is not None:
        return opened[0]
    last = max(votes, default=None)  # the highest id: the last created
    if last is not None and last[2] == Vote.Purpose.CLOSED_SESSION:
        return last[0]
    if current_item_id is None:
        return None
    on_item = [v[0] for v in votes if v[3] == current_item_id]
    return max(on_item, default=None)


def voted_ids(vote: Vote) -> list[int]:
    model = SecretParticipation if vote.is_secret else Ballot
    return list(model.objects.filter(vote=vote).values_list("member_id", flat=True))


def vote_count(vote: Vote, voted: list[int] | None = None) -> dict[str, Any]:
    """The one count of a vote that every page shows (chair, seats, public, screen, video):
    the voices, how many were cast and how many are missing, and the words for it. A show of
    hands has no ballots: once closed, its cast voices are the chair's counts (R16)."""
    voices = len(vote.eligible)
    result = vote.result or {}
    hands = vote.kind == Vote.Kind.HANDS
    if hands and "cast" in result:
        cast = int(result["cast"])
    else:
        cast = len(voted_ids(vote) if voted is None else voted)
    if hands and not vote.is_open:
        label = ngettext(
            "%(cast)s voice counted of %(voices)s",
            "%(cast)s voices counted of %(voices)s",
            cast,
        )
    elif hands:
        label = ngettext(
            "Show of hands: the chair counts the %(voices)s voice",
            "Show of hands: the chair counts the %(voices)s voices",
            voices,
        )
    else:
        label = ngettext(
            "%(cast)s ballot received of %(voices)s voices",
            "%(cast)s ballots received of %(voices)s voices",
            cast,
        )
    return {
        "vote": vote.id,
        "voices": voices,
        "cast": cast,
        "missing": max(voices - cast, 0),
        "counted_by_chair": hands,
        "label": label % {"cast": cast, "voices": voices},
    }


PRIVATE_KEYS = ("choices", "eligible", "voted")  # what vote_summary adds when not public


def public_part(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """The public summary inside a private one: vote_summary(public=True), without a query."""
    if summary is None:
        return None
    return {key: value for key, value in summary.items() if key not in PRIVATE_KEYS}


def vote_summary(sitting: Sitting, *, public: bool) -> dict[str, Any] | None:
    """Public: the question, the count of ballots and, once closed, the result (without
    names for a secret ballot). Private adds the choices the ballots offer (the regime's:
    the pages render them, they decide none), the voices and, for a public vote, who has
    voted (never how, until the vote closes)."""
    vote = current_vote(sitting)
    if vote is None:
        return None
    voted = voted_ids(vote)
    count = vote_count(vote, voted)
    candidates = list(vote.candidates.all())
    summary: dict[str, Any] = {
        "id": vote.id,
        "item": vote.item_id,
        "kind": vote.kind,
        "kind_label": vote.get_kind_display(),
        "purpose": vote.purpose,  # R25: "closed_session" for the vote on the huis clos
        "state": vote.state,
        "question": vote.question,
        "round": vote.round_no,
        "voices": count["voices"],
        "cast": count["cast"],
        "count": count,
        "secret": vote.is_secret,
        "candidates": [{"id": c.id, "name": c.full_name} for c in candidates],
        "result": vote.result,
    }
    if not public:
        summary["choices"] = ballot_options(vote, candidates)  # what the ballots offer
        summary["eligible"] = vote.eligible
        summary["voted"] = [] if vote.is_secret else voted
    return summary


def my_ballots(sitting: Sitting, member: Member | None) -> list[int]:
    """The names (own and by proxy) in which `member` has voted in the current vote."""
    vote = current_vote(sitting)
    if vote is None or member is None:
        return []
    return my_ballots_of(vote, [member.id]).get(member.id, [])


def my_ballots_of(vote: Vote, voter_ids: list[int]) -> dict[int, list[int]]:
    """`my_ballots` of several voters in one vote: voter id -> the names they voted in."""
    model = SecretParticipation if vote.is_secret else Ballot
    names: dict[int, list[int]] = {}
    rows = model.objects.filter(vote=vote, cast_by_id__in=voter_ids)
    for cast_by, member in rows.values_list("cast_by_id", "member_id"):
        names.setdefault(cast_by, []).append(member)
    return names


def member_public_ballots(member: Member) -> list[Ballot]:
    """The member's ballots in closed public votes (electronic, roll call: R17, R22) of
    sittings the public may see, newest sitting first; never a secret ballot (R18),
    whose participations are not ballots. `by_proxy` says a holder cast it (R15)."""
    ballots = list(
        Ballot.objects.filter(member=member, vote__state=Vote.State.CLOSED)
        .exclude(vote__kind__in=[Vote.Kind.SECRET, Vote.Kind.ELECTION])
        .exclude(vote__sitting__state=Sitting.State.DRAFT)
        .select_related("vote__sitting", "vote__item", "cast_by")
        .order_by("-vote__sitting__starts_at", "vote__sitting_id", "vote__opened_at", "id")
    )
    for ballot in ballots:
        ballot.by_proxy = ballot.cast_by_id != ballot.member_id  # type: ignore[attr-defined]
    return ballots
