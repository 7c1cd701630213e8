"""How an item is voted: the kinds of vote, the requests, the secret ballot and its
waiver, who chairs the vote (R17-R22, R27)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class VoteRules:
    # R18: the items voted by secret ballot unless the council unanimously waives it
    # (nominations), and those a text requires to be secret, without a waiver (R20).
    secret_item_kinds: tuple[str, ...] = ("election", "nomination")
    secret_by_text_kinds: tuple[str, ...] = ("election",)
    # R20: the election of the mayor and adjoints (EPCI: the president and bureau) is an
    # election (candidates, rounds) chaired by the oldest member present.
    eldest_chairs_kinds: tuple[str, ...] = ("election",)
    # R21: the items on which the council elects its own chair and the mayor withdraws.
    own_chair_kinds: tuple[str, ...] = ("accounts",)
    # R17 / R18: requests for a roll call (a quarter) or a secret ballot (a third) of present.
    roll_call_share: tuple[int, int] = (1, 4)
    secret_share: tuple[int, int] = (1, 3)

    def roll_call_requested(self, requesters: int, present: int) -> bool:
        num, den = self.roll_call_share
        return present > 0 and requesters * den >= present * num

    def secret_requested(self, requesters: int, present: int) -> bool:
        num, den = self.secret_share
        return present > 0 and requesters * den >= present * num

    def secret_by_default(self, item_kind: str) -> bool:
        """R18: a nomination (and R20's elections) is voted by secret ballot."""
        return item_kind in self.secret_item_kinds

    def secret_required_by_text(self, item_kind: str) -> bool:
        """R18 / R20: a vote a text requires to be secret; no waiver is possible."""
        return item_kind in self.secret_by_text_kinds

    def secret_waivable(self, item_kind: str) -> bool:
        """R18: the council may waive the secret ballot of a nomination only."""
        return self.secret_by_default(item_kind) and not self.secret_required_by_text(item_kind)

    @staticmethod
    def waiver_adopted(objections: int) -> bool:
        """R18: the waiver is a unanimous decision: one objection and the ballot stays secret."""
        return objections == 0

    def chaired_by_eldest(self, item_kind: str) -> bool:
        """R20: the election of the mayor and adjoints (EPCI: president and bureau)."""
        return item_kind in self.eldest_chairs_kinds

    def vote_kinds_for(self, item_kind: str) -> tuple[str, ...] | None:
        """The kinds of vote an item allows, or None for any: R20's elections only by an
        election (secret, with candidates and rounds); a vote a text requires to be secret
        (R18) only by a secret ballot, never waived."""
        if self.chaired_by_eldest(item_kind):
            return ("election",)
        if self.secret_required_by_text(item_kind):
            return ("secret", "election")
        return None

    @staticmethod
    def eldest(birthdates: dict[int, datetime.date]) -> int | None:
        """R20: the oldest member (the lowest id between two of the same day)."""
        return min(birthdates, key=lambda m: (birthdates[m], m), default=None)

    def has_own_chair(self, item_kind: str) -> bool:
        """R21: the compte administratif, where the mayor withdraws for the vote."""
        return item_kind in self.own_chair_kinds

    def vote_lawful(self, item_kind: str, *, teleconference: bool) -> bool:
        """R27: whether an item may be voted at all in this sitting; the minutes require
        no vote result for an item that lawfully could not be voted."""
        return not (teleconference and self.forbidden_by_teleconference(item_kind))

    def forbidden_by_teleconference(self, item_kind: str) -> bool:
        """R27: no election of the president or bureau, no budget primitif and no
        designation of delegates in a sitting held by teleconference."""
        return item_kind in ("election", "nomination", "budget")
