"""Running the sitting: the chair's policing and the request for a closed session
(R24-R25)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SittingRules:
    # R25: members (or the chair alone) who may request a closed session.
    closed_session_requesters: int = 3
    # R24: the chair alone polices the sitting. A councillor who gravely disturbs it may be
    # called to order, or expelled (never the chair), with a reason, logged with its time;
    # an expelled member does not come back in that sitting, and a proxy they gave is not
    # used for them (they are excluded from the deliberation, not merely gone).
    members_may_be_expelled: bool = True
    expelled_may_return: bool = False
    expelled_proxy_usable: bool = False

    def closed_session_request_valid(self, requesters: int, *, by_chair: bool) -> bool:
        """R25: requested by the mayor, or by `closed_session_requesters` members."""
        return by_chair or requesters >= self.closed_session_requesters

    def may_be_expelled(self, member_id: int, *, chair_id: int | None) -> bool:
        """R24: the chair may expel a councillor, never themself."""
        return self.members_may_be_expelled and member_id != chair_id

    def kept_out(self, expelled: set[int]) -> set[int]:
        """R24: of the members the chair expelled, those who may not come back in the
        sitting (by the roll, the desk or their video): all of them, unless the regime
        lets them return."""
        return set() if self.expelled_may_return else set(expelled)
