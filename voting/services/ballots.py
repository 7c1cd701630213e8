"""Casting ballots: stored and chained before they are acknowledged, never twice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import BallotCast, publish
from council.models import Member
from sessions.selectors import is_present
from sessions.services.common import User

from ..ballot_box import box_add
from ..chain import record_append
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


def _check_choice(vote: Vote, choice: str) -> str:
    """Only a choice the regime offers for this vote (voting.selectors.ballot_choices, the
    same list the pages show): R16, R19."""
    if isinstance(choice, str) and choice in ballot_choices(vote):
        return choice
    if vote.kind == Vote.Kind.ELECTION:
        raise InvalidChoice(_("Choose a candidate or vote blank."))
    raise InvalidChoice(_("Choose for, against or abstention."))


def _previous(vote: Vote, client_id: str, voter: Member) -> Receipt | None:
    model = SecretParticipation if vote.is_secret else Ballot
    row = model.objects.filter(vote=vote, client_id=client_id).first()
    if row is None:
        return None
    if row.cast_by_id != voter.id:
        raise BallotRefused(_("This ballot id was used by someone else."), code="client_id_taken")
    return Receipt(vote.id, row.member_id, client_id, row.cast_at.isoformat(), duplicate=True)


@transaction.atomic
def ballot_cast(
    *, vote: Vote, voter: Member, choice: str, client_id: str, on_behalf_of: Member | None = None
) -> Receipt:
    """One ballot in the voter's own name or, for a proxy holder, in the grantor's (R15).
    A resubmission with the same client id returns the first receipt."""
    if not CLIENT_ID.match(client_id or ""):
        raise InvalidChoice(
            _("A ballot needs a client id of 8 to 64 letters, digits, - or _."),
            code="invalid_client_id",
        )
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    earlier = _previous(vote, client_id, voter)
    if earlier is not None:
        return earlier
    if not vote.is_open:
        raise BallotRefused(
            _("The vote is closed: this ballot was not counted."), code="vote_closed"
        )
    if vote.kind in (Vote.Kind.HANDS, Vote.Kind.ROLL_CALL):
        raise BallotRefused(_("In this vote the chair records the answers."), code="chair_records")
    name = on_behalf_of or voter
    _check_present(vote, voter)
    voice = _voice(vote, name.id)
    if voice is None or (voice["by"] or voice["member"]) != voter.id:
        raise BallotRefused(_("You may not vote in this name."), code="not_eligible")
    if voice["by"] is not None and is_present(vote.sitting, voice["member"]):
        raise BallotRefused(
            _("The grantor is present: the proxy is not in use (R14)."), code="grantor_present"
        )
    choice = _check_choice(vote, choice)
    return _store(vote, name, voter, choice, client_id)


def _check_present(vote: Vote, voter: Member) -> None:
    """R14-R15: only a member present votes, in their own name or as a holder; an absent
    member who gave a proxy is voted for by the holder."""
    if is_present(vote.sitting, voter.id):
        return
    voice = _voice(vote, voter.id)
    if voice is not None and voice["by"] is not None:
        holder = next((v["name"] for v in vote.eligible if v["member"] == voice["by"]), "")
        raise BallotRefused(
            _("You are not recorded as present: %(holder)s, who holds your proxy, votes for you.")
            % {"holder": holder},
            code="member_absent",
        )
    raise BallotRefused(
        _("You are not recorded as present: you cannot vote."), code="member_absent"
    )


def _store(vote: Vote, name: Member, voter: Member, choice: str, client_id: str) -> Receipt:
    now = timezone.now()
    try:
        with transaction.atomic():
            if vote.is_secret:
                SecretParticipation.objects.create(
                    vote=vote, member=name, cast_by=voter, client_id=client_id, cast_at=now
                )
                box_add(vote, choice)
                payload: dict[str, object] = {"member": name.id, "cast_by": voter.id}
            else:
                ballot = Ballot.objects.create(
                    vote=vote,
                    member=name,
                    cast_by=voter,
                    choice=choice,
                    client_id=client_id,
                    cast_at=now,
                )
                payload = {
                    "ballot": ballot.id,
                    "member": name.id,
                    "cast_by": voter.id,
                    "choice": choice,
                }
    except IntegrityError:
        raise BallotRefused(
            _("A ballot was already cast in this name."), code="already_voted"
        ) from None
    record_append(vote=vote, kind="ballot", payload=payload)
    publish(BallotCast(vote.sitting_id, vote=vote.id, member=name.id))
    return Receipt(vote.id, name.id, client_id, now.isoformat())


@transaction.atomic
def answer_record(*, vote: Vote, member: Member, choice: str, user: User) -> Ballot:
    """Roll call: the chair calls each name in order and records the answer (R17)."""
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if not vote.is_open or vote.kind not in (Vote.Kind.ROLL_CALL, Vote.Kind.HANDS):
        raise BallotRefused(
            _("Answers are recorded only in an open roll call or show of hands."),
            code="not_recorded_vote",
        )
    voice = _voice(vote, member.id)
    if voice is None:
        raise BallotRefused(
            _("%(name)s has no voice in this vote.") % {"name": member}, code="not_eligible"
        )
    choice = _check_choice(vote, choice)
    voter = Member.objects.get(pk=voice["by"] or voice["member"])
    _store(vote, member, voter, choice, f"chair-{vote.id}-{member.id}")
    return Ballot.objects.get(vote=vote, member=member)
