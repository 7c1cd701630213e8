"""Opening a vote: who may vote is frozen with the quorum (R10-R11, R15-R22, R27)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import ItemPostponed, SecretBallotRequested, VoteOpened, publish
from council.models import Member
from council.regime import Regime, regime_for
from sessions.models import AgendaItem, Sitting
from sessions.selectors import (
    QuorumStatus,
    counted_present,
    members_in_office,
    presence,
    quorum_for,
    usable_proxies,
)
from sessions.services.common import User, lock, log, require_state
from sessions.services.requesters import present_requesters
from voting.errors import VotingErrorCode

from ..errors import VoteRefused
from ..models import Vote
from .common import record_opened, require_no_open_vote
from .waiver import secret_waiver_in_force

K = Vote.Kind
SECRET_KINDS = (K.SECRET, K.ELECTION)


def eligible_voices(
    sitting: Sitting, item: AgendaItem | None, *, exclude: Iterable[int] = ()
) -> list[dict[str, Any]]:
    """One voice per member present and counted, plus one per proxy in use (R15); members
    with a declared interest in `item` and `exclude` (the mayor on the compte administratif)
    have none. No item: the vote on the closed session (R25), where every member votes."""
    present = presence(sitting)
    interested = item.interests.values_list("member_id", flat=True) if item else []
    barred = set(interested) | set(exclude)
    names = {m.id: m.full_name for m in members_in_office(sitting)}
    counted = counted_present(sitting, present)
    voices = [
        {"member": mid, "name": names[mid], "by": None}
        for mid in present
        if mid in names and mid not in barred and mid in counted
    ]
    own = {v["member"] for v in voices}
    for cover in usable_proxies(sitting, present):
        if cover.holder_id in own and cover.grantor_id not in barred:
            voices.append(
                {
                    "member": cover.grantor_id,
                    "name": names.get(cover.grantor_id, ""),
                    "by": cover.holder_id,
                }
            )
    return sorted(voices, key=lambda v: (v["name"], v["member"]))


def _check_kind(
    regime: Regime,
    sitting: Sitting,
    item: AgendaItem,
    kind: str,
    requests: dict[str, list[int]],
) -> dict[str, Any] | None:
    """The kind of vote the law allows for this item (R17, R18, R20, R27). Returns the
    council's recorded waiver of the secret ballot when a nomination is voted in public."""
    tele = sitting.is_teleconference
    _check_kind_allowed(regime, item, kind, tele)
    present = len(presence(sitting))
    secret_asked = regime.secret_requested(len(set(requests.get("secret", []))), present)
    if tele and (secret_asked or kind in SECRET_KINDS):
        raise VoteRefused(
            _(
                "A secret ballot requested in a teleconference sitting postpones "
                "the item to a sitting held in one place (R27)."
            ),
            code=VotingErrorCode.TELECONFERENCE_SECRET,
        )
    if kind in SECRET_KINDS:
        if not (secret_asked or regime.secret_by_default(item.kind)):
            raise VoteRefused(
                _(
                    "A secret ballot needs the request of a third of the members "
                    "present, or a nomination (R18)."
                ),
                code=VotingErrorCode.SECRET_NOT_REQUESTED,
            )
        return None
    if secret_asked:
        raise VoteRefused(
            _("A third of the members present asked for a secret ballot: it prevails (R18)."),
            code=VotingErrorCode.SECRET_PREVAILS,
        )
    return _check_public(regime, sitting, item, kind, requests, present)


def _check_public(
    regime: Regime,
    sitting: Sitting,
    item: AgendaItem,
    kind: str,
    requests: dict[str, list[int]],
    present: int,
) -> dict[str, Any] | None:
    """A public vote: on a nomination, only with the council's waiver in force (R18,
    returned); by roll call, on the request of a quarter of the members present (R17)."""
    waiver = secret_waiver_in_force(sitting, item) if regime.secret_by_default(item.kind) else None
    if kind == K.ROLL_CALL and not regime.roll_call_requested(
        len(set(requests.get("roll_call", []))), present
    ):
        raise VoteRefused(
            _("A roll call needs the request of a quarter of the members present (R17)."),
            code=VotingErrorCode.ROLL_CALL_NOT_REQUESTED,
        )
    return waiver


def _check_kind_allowed(regime: Regime, item: AgendaItem, kind: str, tele: bool) -> None:
    """R18, R20: the kinds of vote the item allows (an election for the mayor's, a secret
    ballot for a vote a text requires to be secret); R27: what a sitting held by
    teleconference cannot vote."""
    if kind not in K.values:
        raise VoteRefused(_("Unknown kind of vote."), code=VotingErrorCode.INVALID_KIND)
    allowed = regime.vote_kinds_for(item.kind)
    if allowed is not None and kind not in allowed:
        if K.SECRET in allowed:
            raise VoteRefused(
                _("A text requires this vote to be secret: no waiver is possible (R18, R20)."),
                code=VotingErrorCode.SECRET_REQUIRED_BY_TEXT,
            )
        raise VoteRefused(
            _(
                "The election of the mayor and adjoints (EPCI: the president and bureau) is "
                "an election by secret ballot, with candidates; no waiver is possible (R20)."
            ),
            code=VotingErrorCode.ELECTION_KIND_REQUIRED,
        )
    if tele and regime.forbidden_by_teleconference(item.kind):
        raise VoteRefused(
            _("This item cannot be voted in a sitting held by teleconference (R27)."),
            code=VotingErrorCode.TELECONFERENCE_FORBIDDEN,
        )


def _votable_checked(regime: Regime, sitting: Sitting, item: AgendaItem) -> QuorumStatus:
    """R3, R11, R31: the item under discussion, not postponed, voted, with its ACTES matter
    code, no other vote open, and the quorum reached (returned, frozen with the vote)."""
    if item.state == AgendaItem.State.POSTPONED:
        raise VoteRefused(_("This item was postponed."), code=VotingErrorCode.ITEM_POSTPONED)
    if sitting.current_item_id != item.id:
        raise VoteRefused(
            _("Only the item under discussion can be put to the vote."),
            code=VotingErrorCode.NOT_CURRENT_ITEM,
        )
    if not item.is_deliberative:
        raise VoteRefused(_("This item is not voted."), code=VotingErrorCode.NOT_DELIBERATIVE)
    if regime.needs_matter_code(item.kind) and not item.matter_code:
        raise VoteRefused(
            _(
                "This item has no ACTES matter code: the clerk gives it one before the vote "
                "(the deliberation goes to the prefecture with it)."
            ),
            code=VotingErrorCode.MATTER_MISSING,
        )
    require_no_open_vote(sitting)
    quorum = quorum_for(sitting, item)
    if not quorum.reached:
        raise VoteRefused(
            _("Quorum not reached: %(e)s.") % {"e": quorum.explanation},
            code=VotingErrorCode.QUORUM_NOT_REACHED,
            quorum=quorum.as_dict(),
        )
    return quorum


@transaction.atomic
def vote_open(
    *,
    item: AgendaItem,
    kind: str,
    user: User,
    question: str = "",
    candidates: Iterable[Member] = (),
    requests: dict[str, list[int]] | None = None,
    chair: Member | None = None,
    round_no: int = 1,
    previous_round: Vote | None = None,
) -> Vote:
    """Open the vote on the item under discussion (R3, R11); a further round of an
    election passes the one before (R19)."""
    sitting = lock(item.sitting)
    require_state(sitting, Sitting.State.OPEN, action=_("open a vote"))
    regime = regime_for(sitting.assembly)
    item = AgendaItem.objects.get(pk=item.pk)
    quorum = _votable_checked(regime, sitting, item)
    requests = _requesters(sitting, requests) if previous_round is None else requests or {}
    waiver = _check_kind(regime, sitting, item, kind, requests)
    vote_chair, exclude = _chair_for(sitting, item, chair)
    vote = _vote_create(
        list(candidates),
        sitting=sitting,
        item=item,
        kind=kind,
        question=question.strip() or item.title,
        chair=vote_chair,
        eligible=eligible_voices(sitting, item, exclude=exclude),
        quorum=quorum.as_dict(),
        requests=requests,
        secret_waived=waiver is not None,
        waiver=waiver,  # R18: the council's unanimous waiver, with who was present
        round_no=round_no,
        previous_round=previous_round,
    )
    publish(VoteOpened(vote.sitting_id, vote=vote.id))
    return vote


def _vote_create(candidates: list[Member], **fields: Any) -> Vote:
    """The vote, its candidates (R19: an election has some) and the vote log's "opened"
    record of what it froze."""
    if fields["kind"] == K.ELECTION and not candidates:
        raise VoteRefused(_("An election needs candidates."), code=VotingErrorCode.NO_CANDIDATES)
    vote = Vote.objects.create(opened_at=timezone.now(), **fields)
    vote.candidates.set(candidates)
    record_opened(vote, [c.id for c in candidates])
    return vote


REQUEST_KINDS = ("roll_call", "secret")


def _requesters(sitting: Sitting, requests: dict[str, list[int]] | None) -> dict[str, list[int]]:
    """R17, R18: the members who ask for a roll call or a secret ballot, each a member of
    the sitting's assembly present now (sessions.services.requesters), each counted once.
    A further round of an election keeps the requests of its first round."""
    requests = requests or {}
    unknown = set(requests) - set(REQUEST_KINDS)
    if unknown:
        raise VoteRefused(
            _("A vote is requested by roll call or by secret ballot only."),
            code=VotingErrorCode.INVALID_REQUEST,
        )
    return {
        kind: [m.id for m in present_requesters(sitting, ids, field=kind)]
        for kind, ids in requests.items()
    }


def _chair_for(
    sitting: Sitting, item: AgendaItem, chair: Member | None
) -> tuple[Member, list[int]]:
    """R21: on the compte administratif the council elects its own chair and the mayor
    leaves for the vote. R20: the oldest member present chairs the election of the mayor
    (and adjoints; EPCI: president and bureau), and nobody else."""
    regime = regime_for(sitting.assembly)
    mayor = sitting.chair
    if regime.chaired_by_eldest(item.kind):
        return _eldest_chair(sitting, regime, chair), []
    if regime.has_own_chair(item.kind):
        if chair is None or mayor is None or chair.id == mayor.id:
            raise VoteRefused(
                _(
                    "On the compte administratif the council elects another chair "
                    "and the mayor withdraws (R21)."
                ),
                code=VotingErrorCode.ACCOUNTS_CHAIR,
            )
        return chair, [mayor.id]
    if mayor is None:
        raise VoteRefused(_("The sitting has no chair."), code=VotingErrorCode.NO_CHAIR)
    return chair or mayor, []


def _eldest_chair(sitting: Sitting, regime: Regime, chair: Member | None) -> Member:
    """R20: the oldest of the members present and counted; another chair is refused with
    the name of the one who must preside."""
    here = counted_present(sitting, presence(sitting))
    counted = {m.id: m for m in members_in_office(sitting) if m.id in here}
    eldest_id = regime.eldest({mid: m.birthdate for mid, m in counted.items()})
    if eldest_id is None:
        raise VoteRefused(
            _("No member is present to chair the election."), code=VotingErrorCode.NO_CHAIR
        )
    eldest = counted[eldest_id]
    if chair is not None and chair.id != eldest.id:
        raise VoteRefused(
            _(
                "The election is chaired by the oldest member present, %(name)s, "
                "and by nobody else (R20)."
            )
            % {"name": eldest.full_name},
            code=VotingErrorCode.ELECTION_CHAIR,
            chair=eldest.id,
            chair_name=eldest.full_name,
        )
    return eldest


@transaction.atomic
def secret_request_record(*, item: AgendaItem, requested_by: list[Member], user: User) -> bool:
    """R18 / R27: a third of the members present ask for a secret ballot. In a sitting held
    by teleconference the request, once adopted, postpones the item to a sitting held in one
    place. Returns whether the item was postponed."""
    sitting = lock(item.sitting)
    require_state(sitting, Sitting.State.OPEN, action=_("record a request for a secret ballot"))
    regime = regime_for(sitting.assembly)
    present = len(presence(sitting))
    ids = sorted(
        m.id
        for m in present_requesters(sitting, [m.id for m in requested_by], field="requested_by")
    )
    adopted = regime.secret_requested(len(ids), present)
    postpone = adopted and sitting.is_teleconference
    if postpone:
        AgendaItem.objects.filter(pk=item.pk).update(state=AgendaItem.State.POSTPONED)
    log(
        sitting,
        "secret_ballot_requested",
        user,
        item=item.id,
        requested_by=ids,
        adopted=adopted,
        postponed=postpone,
    )
    publish((ItemPostponed if postpone else SecretBallotRequested)(sitting.id, item=item.id))
    return postpone
