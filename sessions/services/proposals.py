"""A co-built agenda (seed 002: "chacun peut y ajouter un sujet").

Before the convocation, a member in office proposes a subject with a note; the clerk or
the sitting's chair accepts it (a new agenda item), merges it into an item already on the
agenda (the proposer credited) or declines it with a reason. R3: the agenda is fixed when
the convocation is sent, and proposals close with it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.models import Member
from sessions.errors import SittingErrorCode

from ..access import Role, can
from ..errors import Forbidden, InvalidInput, TransitionRefused
from ..models import AgendaItem, ItemProposal, Sitting
from .agenda import item_add
from .common import User, actor, lock, log, require_in_office

P = ItemProposal.State
MAX_PENDING = 5  # a member's undecided proposals per sitting: enough, and no flood


def proposals_open(sitting: Sitting) -> bool:
    """R3: proposals are open while the agenda may change, i.e. before the convocation."""
    return sitting.state == Sitting.State.DRAFT


def _require_open(sitting: Sitting) -> None:
    if not proposals_open(sitting):
        raise TransitionRefused(
            _("Proposals are closed: the convocation has been sent and the agenda is fixed."),
            code=SittingErrorCode.PROPOSALS_CLOSED,
        )


@transaction.atomic
def proposal_submit(*, sitting: Sitting, member: Member, title: str, note: str) -> ItemProposal:
    """A member in office of the sitting's assembly proposes a subject (seed 002)."""
    sitting = lock(sitting)
    if member.assembly_id != sitting.assembly_id:
        raise Forbidden(
            _("Only the members of this council may propose an item for its agenda."),
            code=SittingErrorCode.NOT_MEMBER,
        )
    require_in_office(sitting, member)
    _require_open(sitting)
    if not title.strip():
        raise InvalidInput(_("Give the subject you propose."), code=SittingErrorCode.TITLE_MISSING)
    pending = sitting.proposals.filter(member=member, state=P.PENDING).count()
    if pending >= MAX_PENDING:
        raise InvalidInput(
            _("You already have %(n)s proposals awaiting a decision for this sitting.")
            % {"n": pending},
            code=SittingErrorCode.TOO_MANY_PROPOSALS,
        )
    proposal = ItemProposal.objects.create(
        sitting=sitting, member=member, title=title.strip()[:300], note=note.strip()
    )
    log(sitting, "item_proposed", member.user, proposal=proposal.pk)
    return proposal


def _decidable(proposal: ItemProposal, user: User) -> ItemProposal:
    """Locks the proposal and its sitting; the clerk or the sitting's chair decides, while
    the agenda may still change and the proposal awaits a decision."""
    sitting = lock(proposal.sitting)
    if not can(user, sitting, Role.CHAIR):
        raise Forbidden(
            _("The clerk and the chair of the sitting decide on the proposals."),
            code=SittingErrorCode.NOT_ALLOWED,
        )
    _require_open(sitting)
    fresh = ItemProposal.objects.select_for_update().select_related("member").get(pk=proposal.pk)
    if fresh.state != P.PENDING:
        raise TransitionRefused(
            _("This proposal was already decided: %(state)s.")
            % {"state": fresh.get_state_display().lower()},
            code=SittingErrorCode.PROPOSAL_DECIDED,
        )
    fresh.sitting = sitting
    return fresh


def _decided(proposal: ItemProposal, state: str, user: User, **fields: object) -> ItemProposal:
    proposal.state = state
    proposal.decided_at = timezone.now()
    proposal.decided_by = actor(user)
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.save()
    log(proposal.sitting, f"proposal_{state}", user, proposal=proposal.pk)
    return proposal


@transaction.atomic
def proposal_accept(*, proposal: ItemProposal, user: User) -> ItemProposal:
    """A new agenda item, the proposer its rapporteur unless the clerk changes it."""
    proposal = _decidable(proposal, user)
    credit = _("Proposed by %(name)s.") % {"name": proposal.member.full_name}
    summary = f"{proposal.note}\n\n{credit}" if proposal.note else credit
    item = item_add(
        sitting=proposal.sitting,
        user=user,
        title=proposal.title,
        summary=summary,
        rapporteur=proposal.member,
    )
    return _decided(proposal, P.ACCEPTED, user, item=item)


@transaction.atomic
def proposal_merge(*, proposal: ItemProposal, item: AgendaItem, user: User) -> ItemProposal:
    """Into an item already on this sitting's agenda; the item's summary credits the
    proposer."""
    proposal = _decidable(proposal, user)
    if item.sitting_id != proposal.sitting_id:
        raise InvalidInput(
            _("This item is not on this sitting's agenda."), code=SittingErrorCode.UNKNOWN_ITEM
        )
    credit = _("Also proposed by %(name)s.") % {"name": proposal.member.full_name}
    item.summary = f"{item.summary}\n\n{credit}" if item.summary else credit
    item.save(update_fields=["summary"])
    return _decided(proposal, P.MERGED, user, item=item)


@transaction.atomic
def proposal_decline(*, proposal: ItemProposal, reason: str, user: User) -> ItemProposal:
    """Declined, with a reason the proposer reads."""
    proposal = _decidable(proposal, user)
    if not reason.strip():
        raise InvalidInput(
            _("Say why the proposal is declined: its author will read it."),
            code=SittingErrorCode.REASON_MISSING,
        )
    return _decided(proposal, P.DECLINED, user, reason=reason.strip())
