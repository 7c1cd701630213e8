"""The law of council sittings, in one place (shared/RULEBOOK.md).

Every number and rule the services apply is a parameter or a function of a
`Regime`. Services call `regime_for(assembly)`; nothing else hard-codes the law. The
regime is put together from one set of rules per subject, each in its module: the notice
and the opening hour (`notice`), who counts and the quorum (`quorum`), proxies
(`proxies`), how an item is voted (`votes`), what the ballots offer and decide
(`outcome`), the running of the sitting (`sitting`) and the minutes and publication
(`publication`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import PARIS, AttendanceMode, absolute_majority
from .notice import NoticeRules
from .outcome import BLANK, MOTION_CHOICES, Decision, OutcomeRules
from .proxies import ProxyRules
from .publication import PublicationRules
from .quorum import QuorumRules
from .sitting import SittingRules
from .votes import VoteRules

if TYPE_CHECKING:
    from council.models import Assembly

__all__ = [
    "BLANK",
    "CGCT_2026",
    "COVID_2020",
    "DEFAULT_REGIME",
    "MOTION_CHOICES",
    "PARIS",
    "REGIMES",
    "AttendanceMode",
    "Decision",
    "Regime",
    "absolute_majority",
    "regime_for",
]


@dataclass(frozen=True, kw_only=True)
class Regime(
    NoticeRules,
    QuorumRules,
    ProxyRules,
    VoteRules,
    OutcomeRules,
    SittingRules,
    PublicationRules,
):
    code: str
    label: str


CGCT_2026 = Regime(code="cgct-2026", label="CGCT (2026)")
# R13: the Covid-era rules, kept only as a historical regime, never a default.
COVID_2020 = Regime(
    code="covid-2020",
    label="CGCT, ordonnance 2020-391 (ended 31 July 2022)",
    quorum_counts_represented=True,
    quorum_one_third=True,
    proxies_per_holder=2,
    commune_teleconference=True,
)
REGIMES = {r.code: r for r in (CGCT_2026, COVID_2020)}
DEFAULT_REGIME = CGCT_2026


def regime_for(assembly: Assembly) -> Regime:
    return REGIMES.get(assembly.regime_code, DEFAULT_REGIME)
