"""The council's waiver of the secret ballot (R18): a unanimous decision, recorded with who
was present and that nobody objected, refused for a vote a text requires to be secret (R20)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import SecretWaiverDecided, publish
from council.models import Member
from council.regime import regime_for
from sessions.models import AgendaItem, Sitting, SittingLog
from sessions.selectors import members_in_office, presence
from sessions.services.common import User, lock, log, require_state
from sessions.services.requesters import present_requesters
from voting.errors import VotingErrorCode

from ..errors import VoteRefused
from .common import require_no_open_vote

WAIVER = "secret_waiver"


def _check_waivable(sitting: Sitting, item: AgendaItem) -> None:
    regime = regime_for(sitting.assembly)
    if sitting.current_item_id != item.id:
        raise VoteRefused(
            _("Only the item under discussion can be put to the vote."),
            code=VotingErrorCode.NOT_CURRENT_ITEM,
        )
    if regime.secret_required_by_text(item.kind):
        raise VoteRefused(
            _(
                "A text requires this vote to be secret: the council cannot waive the "
                "secret ballot (R18, R20)."
            ),
            code=VotingErrorCode.SECRET_REQUIRED_BY_TEXT,
        )
    if not regime.secret_waivable(item.kind):
        raise VoteRefused(
            _("Only the secret ballot of a nomination can be waived (R18)."),
            code=VotingErrorCode.WAIVER_NOT_APPLICABLE,
        )
    require_no_open_vote(sitting)


@transaction.atomic
def secret_waiver_record(
    *, item: AgendaItem, objectors: list[Member], user: User
) -> dict[str, Any]:
    """R18: the council decides, unanimously, to vote a nomination in public. The decision
    is entered in the sitting's log with every member present and the objections; one
    objection and the ballot stays secret. The vote opened next carries it (vote_open).
    Returns the decision."""
    sitting = lock(item.sitting)
    require_state(sitting, Sitting.State.OPEN, action=_("waive the secret ballot"))
    item = AgendaItem.objects.get(pk=item.pk)
    _check_waivable(sitting, item)
    objecting = present_requesters(sitting, [m.id for m in objectors], field="objectors")
    present = presence(sitting)
    names = {m.id: m.full_name for m in members_in_office(sitting)}
    decision: dict[str, Any] = {
        "item": item.id,
        "present": [
            {"member": mid, "name": names[mid]}
            for mid in sorted(present, key=lambda i: (names.get(i, ""), i))
            if mid in names
        ],
        "objections": [{"member": m.id, "name": m.full_name} for m in objecting],
        "waived": regime_for(sitting.assembly).waiver_adopted(len(objecting)),
        "at": timezone.now().isoformat(),
    }
    log(sitting, WAIVER, user, **decision)
    publish(SecretWaiverDecided(sitting.id, item=item.id, waived=decision["waived"]))
    return decision


def secret_waiver_in_force(sitting: Sitting, item: AgendaItem) -> dict[str, Any]:
    """R18: the waiver that lets a nomination be voted in public: the latest decision on
    this item, unanimous, taken while every member present now was there to object.
    Refused with `secret_required` (no waiver) or `waiver_stale` otherwise. A vote a text
    requires to be secret never gets here: the regime allows it no public kind of vote
    (`Regime.vote_kinds_for`)."""
    entry = (
        SittingLog.objects.filter(sitting=sitting, kind=WAIVER, data__item=item.id)
        .order_by("-at", "-id")
        .first()
    )
    if entry is None or not entry.data.get("waived"):
        raise VoteRefused(
            _(
                "A nomination is voted by secret ballot unless the council waived "
                "it unanimously (R18)."
            ),
            code=VotingErrorCode.SECRET_REQUIRED,
        )
    decision = dict(entry.data)
    there = {p["member"] for p in decision.get("present", [])}
    arrived = [mid for mid in presence(sitting) if mid not in there]
    if arrived:
        member = Member.objects.filter(pk=arrived[0]).first()
        raise VoteRefused(
            _(
                "%(name)s arrived after the waiver and could not object: the council "
                "decides the waiver again (R18)."
            )
            % {"name": member.full_name if member else arrived[0]},
            code=VotingErrorCode.WAIVER_STALE,
        )
    return decision
