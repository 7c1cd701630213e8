"""Casting ballots: stored and chained before they are acknowledged, never twice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import BallotCast, publish
from council.errors import DomainError
from council.models import Member
from sessions.selectors import present_among
from sessions.services.common import User
from voting.errors import VotingErrorCode

from ..ballot_box import box_add
from ..chain import records_append
from ..errors import BallotRefused, InvalidChoice
from ..models import Ballot, SecretParticipation, Vote
from ..selectors import ballot_choices

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class Receipt:
    vote: int
    member: int
    client_id: str
    cast_at: str
    duplicate: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "vote": self.vote,
            "member": self.member,
            "client_id": self.client_id,
            "cast_at": self.cast_at,
            "duplicate": self.duplicate,
        }


def _voice(vote: Vote, member_id: int) -> dict[str, Any] | None:
    return next((v for v in vote.eligible if v["member"] == member_id), None)


def _check_choice(vote: Vote, choice: str, offered: tuple[str, ...] | None = None) -> str:
    """Only a choice the regime offers for this vote (voting.selectors.ballot_choices, the
    same list the pages show; `offered`: that list, read once for a batch): R16, R19."""
    if isinstance(choice, str) and choice in (offered or ballot_choices(vote)):
        return choice
    if vote.kind == Vote.Kind.ELECTION:
        raise InvalidChoice(_("Choose a candidate or vote blank."))
    raise InvalidChoice(_("Choose for, against or abstention."))


@dataclass(frozen=True)
class _Known:
    """What the checks of a batch read, read once for the batch: the rows already stored
    under its client ids, which of its voters and names are present (R14-R15), the
    choices offered and each name's voice."""

    previous: dict[str, Ballot | SecretParticipation]
    present: set[int]
    offered: tuple[str, ...]
    voices: dict[int, dict[str, Any]]

    @classmethod
    def read(cls, vote: Vote, requests: list[BallotRequest]) -> _Known:
        model = SecretParticipation if vote.is_secret else Ballot
        ids = [r.client_id for r in requests if isinstance(r.client_id, str)]
        rows = model.objects.filter(vote=vote, client_id__in=ids)
        people = {r.voter.id for r in requests} | {
            r.on_behalf_of.id for r in requests if r.on_behalf_of
        }
        previous = {row.client_id: row for row in rows}
        voices = {v["member"]: v for v in vote.eligible}
        return cls(previous, present_among(vote.sitting, people), ballot_choices(vote), voices)


def _previous(vote: Vote, client_id: str, voter: Member, known: _Known) -> Receipt | None:
    row = known.previous.get(client_id)
    if row is None:
        return None
    if row.cast_by_id != voter.id:
        raise BallotRefused(
            _("This ballot id was used by someone else."), code=VotingErrorCode.CLIENT_ID_TAKEN
        )
    return Receipt(vote.id, row.member_id, client_id, row.cast_at.isoformat(), duplicate=True)


@dataclass(frozen=True)
class BallotRequest:
    """One ballot as a voter submits it, before any check."""

    voter: Member
    choice: str
    client_id: str
    on_behalf_of: Member | None = None


@dataclass(frozen=True)
class _Ready:
    """A ballot that passed every check, waiting to be stored with its batch."""

    name: Member
    voter: Member
    choice: str
    client_id: str


Outcome = Receipt | DomainError


def ballot_cast(
    *, vote: Vote, voter: Member, choice: str, client_id: str, on_behalf_of: Member | None = None
) -> Receipt:
    """One ballot in the voter's own name or, for a proxy holder, in the grantor's (R15).
    A resubmission with the same client id returns the first receipt."""
    request = BallotRequest(voter, choice, client_id, on_behalf_of)
    outcome = ballots_cast(vote=vote, requests=[request])[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class _Again:
    """The same ballot sent twice in one batch: it gets the first one's outcome."""

    first: _Ready


@transaction.atomic
def ballots_cast(*, vote: Vote, requests: list[BallotRequest]) -> list[Outcome]:
    """Ballots cast together in one transaction, in order: one lock on the vote, each
    checked before anything is written (a refused ballot refuses only itself), then all
    stored and chained (R14-R16, R31). One outcome per request: a receipt or its refusal."""
    locked = Vote.objects.select_for_update(of=("self",))
    vote = locked.select_related("sitting__assembly").get(pk=vote.pk)
    known = _Known.read(vote, requests)
    checked: list[Outcome | _Ready | _Again] = []
    batch = _Batch()
    for request in requests:
        try:
            checked.append(_check(vote, request, batch, known))
        except DomainError as err:
            checked.append(err)
        else:
            batch.add(checked[-1])
    ready = [c for c in checked if isinstance(c, _Ready)]
    stored = dict(zip(map(id, ready), _store_all(vote, ready), strict=True))
    return [_outcome(c, stored) for c in checked]


def _outcome(checked: Outcome | _Ready | _Again, stored: dict[int, Outcome]) -> Outcome:
    if isinstance(checked, _Ready):
        return stored[id(checked)]
    if isinstance(checked, _Again):
        first = stored[id(checked.first)]
        return replace(first, duplicate=True) if isinstance(first, Receipt) else first
    return checked


@dataclass
class _Batch:
    """The ballots of the batch that passed their checks so far: the first of each client
    id, and the names they are cast in."""

    by_client_id: dict[str, _Ready] = field(default_factory=dict)
    names: set[int] = field(default_factory=set)

    def add(self, checked: Outcome | _Ready | _Again) -> None:
        if isinstance(checked, _Ready):
            self.by_client_id.setdefault(checked.client_id, checked)
            self.names.add(checked.name.id)


def _check(
    vote: Vote, request: BallotRequest, batch: _Batch, known: _Known
) -> Outcome | _Ready | _Again:
    if not CLIENT_ID.match(request.client_id or ""):
        raise InvalidChoice(
            _("A ballot needs a client id of 8 to 64 letters, digits, - or _."),
            code=VotingErrorCode.INVALID_CLIENT_ID,
        )
    first = batch.by_client_id.get(request.client_id)
    if first is not None:
        if first.voter.id != request.voter.id:
            raise BallotRefused(
                _("This ballot id was used by someone else."), code=VotingErrorCode.CLIENT_ID_TAKEN
            )
        return _Again(first)
    previous = _previous(vote, request.client_id, request.voter, known)
    if previous is not None:
        return previous
    ready = _eligible(vote, request, known)
    if ready.name.id in batch.names:
        raise BallotRefused(
            _("A ballot was already cast in this name."), code=VotingErrorCode.ALREADY_VOTED
        )
    return ready


def _eligible(vote: Vote, request: BallotRequest, known: _Known) -> _Ready:
    """R14-R16: an open electronic vote, a voter present, voting in a name they hold."""
    if not vote.is_open:
        raise BallotRefused(
            _("The vote is closed: this ballot was not counted."), code=VotingErrorCode.VOTE_CLOSED
        )
    if vote.kind in (Vote.Kind.HANDS, Vote.Kind.ROLL_CALL):
        raise BallotRefused(
            _("In this vote the chair records the answers."), code=VotingErrorCode.CHAIR_RECORDS
        )
    voter = request.voter
    name = request.on_behalf_of or voter
    _check_present(voter, known)
    voice = known.voices.get(name.id)
    if voice is None or (voice["by"] or voice["member"]) != voter.id:
        raise BallotRefused(_("You may not vote in this name."), code=VotingErrorCode.NOT_ELIGIBLE)
    if voice["by"] is not None and voice["member"] in known.present:
        raise BallotRefused(
            _("The grantor is present: the proxy is not in use (R14)."),
            code=VotingErrorCode.GRANTOR_PRESENT,
        )
    return _Ready(
        name, voter, _check_choice(vote, request.choice, known.offered), request.client_id
    )


def _check_present(voter: Member, known: _Known) -> None:
    """R14-R15: only a member present votes, in their own name or as a holder; an absent
    member who gave a proxy is voted for by the holder."""
    if voter.id in known.present:
        return
    voice = known.voices.get(voter.id)
    if voice is not None and voice["by"] is not None:
        holder = known.voices.get(voice["by"], {}).get("name", "")
        raise BallotRefused(
            _("You are not recorded as present: %(holder)s, who holds your proxy, votes for you.")
            % {"holder": holder},
            code=VotingErrorCode.MEMBER_ABSENT,
        )
    raise BallotRefused(
        _("You are not recorded as present: you cannot vote."), code=VotingErrorCode.MEMBER_ABSENT
    )


def _store_all(vote: Vote, ready: list[_Ready]) -> list[Outcome]:
    """Store the checked ballots of a batch at once; if the database refuses the batch (a
    name voted for meanwhile), one by one, each refused alone. Then chained in order and
    announced once: the count after the batch (sessions.live.ballots)."""
    if not ready:
        return []
    now = timezone.now()
    try:
        with transaction.atomic():
            rows = _insert(vote, ready, now)
    except IntegrityError:
        rows = [_insert_one(vote, r, now) for r in ready]
    payloads = [p for p in rows if p is not None]
    records_append(vote=vote, kind="ballot", payloads=payloads)
    if vote.is_secret:
        box_add(vote, *[r.choice for r, p in zip(ready, rows, strict=True) if p is not None])
    if payloads:
        last = payloads[-1]["member"]
        publish(BallotCast(vote.sitting_id, vote=vote.id, member=int(str(last))))
    return [
        _refused_twice() if p is None else Receipt(vote.id, r.name.id, r.client_id, now.isoformat())
        for r, p in zip(ready, rows, strict=True)
    ]


def _refused_twice() -> BallotRefused:
    return BallotRefused(
        _("A ballot was already cast in this name."), code=VotingErrorCode.ALREADY_VOTED
    )


def _insert_one(vote: Vote, ready: _Ready, now: datetime) -> dict[str, object] | None:
    try:
        with transaction.atomic():
            return _insert(vote, [ready], now)[0]
    except IntegrityError:
        return None


def _insert(vote: Vote, ready: list[_Ready], now: datetime) -> list[dict[str, object] | None]:
    """The rows of the ballots (a secret vote: their participations, the choices going to
    the box) and the payload of each one's chain record."""
    if vote.is_secret:
        SecretParticipation.objects.bulk_create(
            SecretParticipation(
                vote=vote, member=r.name, cast_by=r.voter, client_id=r.client_id, cast_at=now
            )
            for r in ready
        )
        return [{"member": r.name.id, "cast_by": r.voter.id} for r in ready]
    ballots = Ballot.objects.bulk_create(
        Ballot(
            vote=vote,
            member=r.name,
            cast_by=r.voter,
            choice=r.choice,
            client_id=r.client_id,
            cast_at=now,
        )
        for r in ready
    )
    return [
        {"ballot": b.id, "member": r.name.id, "cast_by": r.voter.id, "choice": r.choice}
        for b, r in zip(ballots, ready, strict=True)
    ]


@transaction.atomic
def answer_record(*, vote: Vote, member: Member, choice: str, user: User) -> Ballot:
    """Roll call: the chair calls each name in order and records the answer (R17)."""
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if not vote.is_open or vote.kind not in (Vote.Kind.ROLL_CALL, Vote.Kind.HANDS):
        raise BallotRefused(
            _("Answers are recorded only in an open roll call or show of hands."),
            code=VotingErrorCode.NOT_RECORDED_VOTE,
        )
    voice = _voice(vote, member.id)
    if voice is None:
        raise BallotRefused(
            _("%(name)s has no voice in this vote.") % {"name": member},
            code=VotingErrorCode.NOT_ELIGIBLE,
        )
    choice = _check_choice(vote, choice)
    voter = Member.objects.get(pk=voice["by"] or voice["member"])
    outcome = _store_all(vote, [_Ready(member, voter, choice, f"chair-{vote.id}-{member.id}")])
    if isinstance(outcome[0], DomainError):
        raise outcome[0]
    return Ballot.objects.get(vote=vote, member=member)
