"""The vote on the closed session (huis clos, R25): a vote of its own, tied to no item.

Requested by the mayor or by `Regime.closed_session_requesters` members present, it is
opened like any vote, by show of hands (the chair enters the counts at the close, through
the same desk as every show of hands) or electronically from the seats, and it is chained
in the vote log like every vote. Its close (voting.services.closing) decides: adopted by
the absolute majority of the members present or represented, the council goes into closed
session (sessions.services.closed_session_decided); rejected, the sitting stays public.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import VoteOpened, publish
from council.models import Member
from council.regime import Regime, regime_for
from sessions.models import Sitting
from sessions.selectors import quorum_for
from sessions.services.common import User, lock, require_state
from sessions.services.requesters import present_requesters
from voting.errors import VotingErrorCode

from ..errors import VoteRefused
from ..models import Vote
from .common import record_opened, require_no_open_vote
from .opening import eligible_voices

K = Vote.Kind
KINDS = (K.HANDS, K.ELECTRONIC)


@transaction.atomic
def closed_session_vote_open(
    *, sitting: Sitting, requested_by: list[Member], kind: str, user: User
) -> Vote:
    """R25: open the council's vote on going into closed session. The requesters must be
    members present (sessions.services.requesters); the mayor alone suffices."""
    sitting = lock(sitting)
    require_state(sitting, Sitting.State.OPEN, action=_("go into closed session"))
    regime = regime_for(sitting.assembly)
    if sitting.in_closed_session:
        raise VoteRefused(
            _("The sitting is already in closed session."), code=VotingErrorCode.ALREADY_CLOSED
        )
    if kind not in KINDS:
        raise VoteRefused(
            _("The closed session is decided by a show of hands or an electronic vote (R25)."),
            code=VotingErrorCode.INVALID_KIND,
        )
    if sitting.chair is None:
        raise VoteRefused(_("The sitting has no chair."), code=VotingErrorCode.NO_CHAIR)
    ids = _requesters_checked(regime, sitting, requested_by)
    require_no_open_vote(sitting)
    vote = Vote.objects.create(
        sitting=sitting,
        item=None,
        kind=kind,
        purpose=Vote.Purpose.CLOSED_SESSION,
        question=_("Shall the council sit in closed session (huis clos)?"),
        chair=sitting.chair,
        eligible=eligible_voices(sitting, None),
        quorum=quorum_for(sitting, sitting.current_item).as_dict(),
        requests={"closed_session": ids},
        opened_at=timezone.now(),
    )
    record_opened(vote, [])
    publish(VoteOpened(vote.sitting_id, vote=vote.id))
    return vote


def _requesters_checked(regime: Regime, sitting: Sitting, requested_by: list[Member]) -> list[int]:
    """R25: the requesters, members present (sessions.services.requesters), each once:
    the mayor alone, or `Regime.closed_session_requesters` members."""
    ids = sorted(
        {
            m.id
            for m in present_requesters(sitting, [m.id for m in requested_by], field="requested_by")
        }
    )
    if not regime.closed_session_request_valid(len(ids), by_chair=sitting.chair_id in ids):
        raise VoteRefused(
            _("A closed session is requested by the mayor or by at least %(n)s members.")
            % {"n": regime.closed_session_requesters},
            code=VotingErrorCode.CLOSED_SESSION_REQUEST_INVALID,
        )
    return ids
