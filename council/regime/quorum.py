"""Who counts, and the quorum (R10-R13, R26-R27)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import AttendanceMode, absolute_majority

if TYPE_CHECKING:
    from council.models import Assembly


@dataclass(frozen=True, kw_only=True)
class QuorumRules:
    # R10 / R13: quorum as a fraction of members in office.
    quorum_counts_represented: bool = False
    quorum_one_third: bool = False
    # R26 / R27: teleconference.
    epci_teleconference: bool = True
    commune_teleconference: bool = False

    def quorum_needed(self, in_office: int) -> int:
        if self.quorum_one_third:
            return -(-in_office // 3)
        return absolute_majority(in_office)

    def counts_toward_quorum(self, assembly: Assembly, mode: str, teleconference: bool) -> bool:
        if mode == AttendanceMode.CHAMBER:
            return True
        if mode == AttendanceMode.REMOTE_ROOM:
            return self.allows_teleconference(assembly) and teleconference
        return False

    def counted(
        self, assembly: Assembly, modes: Mapping[int, str], *, teleconference: bool
    ) -> set[int]:
        """R10, R26, R27: of the members present (id -> attendance mode), those who count
        toward the quorum and have a voice in a vote; a remote member follows, and counts
        as absent."""
        return {
            member
            for member, mode in modes.items()
            if self.counts_toward_quorum(assembly, mode, teleconference)
        }

    def allows_teleconference(self, assembly: Assembly) -> bool:
        return self.epci_teleconference if assembly.is_epci else self.commune_teleconference

    @staticmethod
    def quorum_exempt(*, second_convocation: bool, carried_over: bool) -> bool:
        """R12: on a second convocation the items carried over need no quorum."""
        return second_convocation and carried_over
