"""The law of council sittings, in one place (shared/RULEBOOK.md).

Every number and rule the services apply is a parameter or a function of a
`Regime`. Services call `regime_for(assembly)`; nothing else hard-codes the law.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from council.models import Assembly

PARIS = ZoneInfo("Europe/Paris")


class AttendanceMode:
    CHAMBER = "chamber"  # physically in the council chamber
    REMOTE_ROOM = "remote_room"  # in a designated remote room (EPCI teleconference)
    REMOTE = "remote"  # following by browser from elsewhere


@dataclass(frozen=True)
class Regime:
    code: str
    label: str
    # R6: population threshold and notice periods, in clear days.
    notice_population_threshold: int = 3500
    notice_days_small: int = 3
    notice_days_large: int = 5
    notice_days_first_after_renewal: int = 3
    # R7: urgency floor.
    notice_days_urgency: int = 1
    # R12: second convocation after a failed quorum.
    second_convocation_days: int = 3
    # R5: a notice broken by a late dispatch (a re-send to one member) stops the opening;
    # False lets the sitting open with the shortfall entered in its log.
    short_notice_blocks_opening: bool = True
    # R8: a note explicative de synthèse for every item from this population.
    synthesis_note_threshold: int = 3500
    # R10 / R13: quorum as a fraction of members in office.
    quorum_counts_represented: bool = False
    quorum_one_third: bool = False
    # R14: proxies.
    proxies_per_holder: int = 1
    proxy_max_consecutive_sittings: int = 3
    # R25: members (or the chair alone) who may request a closed session.
    closed_session_requesters: int = 3
    # R16: the chair's vote decides a tie (voix prépondérante), never in a secret ballot.
    chair_casting_vote: bool = True
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
    # R19: absolute majority in the first rounds, relative in the last.
    election_absolute_rounds: int = 2
    election_max_rounds: int = 3
    # R26 / R27: teleconference.
    epci_teleconference: bool = True
    commune_teleconference: bool = False
    # R24: the chair alone polices the sitting. A councillor who gravely disturbs it may be
    # called to order, or expelled (never the chair), with a reason, logged with its time;
    # an expelled member does not come back in that sitting, and a proxy they gave is not
    # used for them (they are excluded from the deliberation, not merely gone).
    members_may_be_expelled: bool = True
    expelled_may_return: bool = False
    expelled_proxy_usable: bool = False
    # R29 / R30: publication deadlines, in days.
    list_publication_days: int = 7
    minutes_publication_days: int = 7
    deadline_warning_days: int = 2
    # R32: in an EPCI, the member communes' councillors who do not sit in its council get
    # a copy of the convocation (before the sitting), and of the list of deliberations
    # (within this many months of the sitting) and of the minutes (of their adoption).
    councillor_copy_months: int = 1
    # R2: the convocation fixes the day and hour; the chair may open this many minutes
    # before the hour on that day, and no later than this many hours after it, unless
    # they confirm, with a reason entered in the sitting's log.
    opening_early_minutes: int = 30
    opening_late_hours: int = 6

    # --- notice (R5-R7) -------------------------------------------------
    @staticmethod
    def clear_days(dispatch: datetime.datetime, sitting_start: datetime.datetime) -> int:
        """Jours francs between dispatch and sitting, by calendar dates in Paris."""
        d = dispatch.astimezone(PARIS).date()
        s = sitting_start.astimezone(PARIS).date()
        return (s - d).days - 1

    def notice_clear_days(
        self, dispatches: Iterable[datetime.datetime], sitting_start: datetime.datetime
    ) -> int | None:
        """R5: the notice is counted from the latest dispatch to any member (None: none)."""
        latest = max(dispatches, default=None)
        return None if latest is None else self.clear_days(latest, sitting_start)

    def required_notice_days(
        self,
        assembly: Assembly,
        *,
        first_after_renewal: bool,
        urgency: bool,
        second_convocation: bool = False,
    ) -> int:
        if urgency:
            return self.notice_days_urgency
        if second_convocation:  # R12
            return self.second_convocation_days
        if first_after_renewal:
            return self.notice_days_first_after_renewal
        return self.notice_days_large if self._is_large(assembly) else self.notice_days_small

    def _is_large(self, assembly: Assembly) -> bool:
        if assembly.is_epci:
            return any(
                c.population >= self.notice_population_threshold for c in assembly.communes.all()
            )
        return assembly.population >= self.notice_population_threshold

    def needs_synthesis_note(self, assembly: Assembly) -> bool:
        # An EPCI with a commune of 3,500 or more follows the larger communes' rules.
        return self._is_large(assembly)

    # --- opening (R2) ----------------------------------------------------
    def opening_window(
        self, starts_at: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime]:
        """When the sitting may open without the chair's confirmation: from
        `opening_early_minutes` before the convened hour, on the convened day (Paris), to
        `opening_late_hours` after it."""
        local = starts_at.astimezone(PARIS)
        day_start = datetime.datetime.combine(local.date(), datetime.time(0), tzinfo=PARIS)
        early = datetime.timedelta(minutes=self.opening_early_minutes)
        earliest = max(starts_at - early, day_start)
        return earliest, starts_at + datetime.timedelta(hours=self.opening_late_hours)

    # --- votes: closing (R16) ----------------------------------------------
    @staticmethod
    def close_needs_confirmation(cast: int, voices: int) -> bool:
        """A vote closed while voices are still missing asks the chair to confirm."""
        return cast < voices

    # --- quorum (R10-R13) -------------------------------------------------
    def quorum_needed(self, in_office: int) -> int:
        if self.quorum_one_third:
            return -(-in_office // 3)
        return in_office // 2 + 1

    def counts_toward_quorum(self, assembly: Assembly, mode: str, teleconference: bool) -> bool:
        if mode == AttendanceMode.CHAMBER:
            return True
        if mode == AttendanceMode.REMOTE_ROOM:
            return self.allows_teleconference(assembly) and teleconference
        return False

    def allows_teleconference(self, assembly: Assembly) -> bool:
        return self.epci_teleconference if assembly.is_epci else self.commune_teleconference

    @staticmethod
    def quorum_exempt(*, second_convocation: bool, carried_over: bool) -> bool:
        """R12: on a second convocation the items carried over need no quorum."""
        return second_convocation and carried_over

    # --- proxies (R14) -------------------------------------------------------
    def holder_may_take(self, held: int) -> bool:
        """R14 / R13: a holder holds at most `proxies_per_holder` proxies per sitting."""
        return held < self.proxies_per_holder

    @staticmethod
    def proxy_in_use(*, holder_counted: bool, grantor_present: bool) -> bool:
        """R14: a proxy is used only while its holder is present (and counted) and its
        grantor is not."""
        return holder_counted and not grantor_present

    def proxy_run_allowed(self, consecutive: int, *, illness: bool) -> bool:
        """R14: at most `proxy_max_consecutive_sittings` consecutive sittings on proxy,
        except for a duly established illness."""
        return illness or consecutive <= self.proxy_max_consecutive_sittings

    # --- closed session (R25) ---------------------------------------------
    def closed_session_request_valid(self, requesters: int, *, by_chair: bool) -> bool:
        """R25: requested by the mayor, or by `closed_session_requesters` members."""
        return by_chair or requesters >= self.closed_session_requesters

    def closed_session_adopted(self, votes_for: int, present_or_represented: int) -> bool:
        return votes_for > present_or_represented // 2

    # --- votes (R15-R22) ---------------------------------------------------
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
        election (secret, with candidates and rounds)."""
        return ("election",) if self.chaired_by_eldest(item_kind) else None

    @staticmethod
    def eldest(birthdates: dict[int, datetime.date]) -> int | None:
        """R20: the oldest member (the lowest id between two of the same day)."""
        return min(birthdates, key=lambda m: (birthdates[m], m), default=None)

    def has_own_chair(self, item_kind: str) -> bool:
        """R21: the compte administratif, where the mayor withdraws for the vote."""
        return item_kind in self.own_chair_kinds

    def casting_vote_applies(self, votes_for: int, votes_against: int, *, secret: bool) -> bool:
        """R16: a tie of a public vote, decided by the chair's own vote."""
        return (
            self.chair_casting_vote and not secret and votes_for == votes_against and votes_for > 0
        )

    def motion_outcome(
        self, votes_for: int, votes_against: int, *, secret: bool, chair_choice: str | None
    ) -> tuple[bool, bool]:
        """R16: adopted iff for > against; abstentions, blank and void do not count.
        A tie goes the way the chair voted, except in a secret ballot; a chair who
        abstained or did not vote decides nothing. Returns (adopted, casting)."""
        if votes_for != votes_against:
            return votes_for > votes_against, False
        if not self.casting_vote_applies(votes_for, votes_against, secret=secret):
            return False, False
        if chair_choice not in ("for", "against"):
            return False, False
        return chair_choice == "for", True

    def election_winner(
        self, round_no: int, tallies: dict[int, int], expressed: int, birthdates: dict[int, Any]
    ) -> int | None:
        """R19: absolute majority of votes expressed in rounds 1-2, relative in round 3;
        a tie goes to the oldest candidate. Returns the winner's id or None."""
        if not tallies or expressed <= 0:
            return None
        best = max(tallies.values())
        absolute = round_no <= self.election_absolute_rounds
        if absolute and best * 2 <= expressed:
            return None
        leaders = [c for c, n in tallies.items() if n == best]
        return min(leaders, key=lambda c: birthdates[c])

    # --- minutes and publication (R28-R31) ----------------------------------
    def list_due(self, closed_at: datetime.datetime) -> datetime.datetime:
        """R30: the list of deliberations is online within one week of the sitting."""
        return closed_at + datetime.timedelta(days=self.list_publication_days)

    def minutes_due(self, adopted_at: datetime.datetime) -> datetime.datetime:
        """R29: the minutes are online within one week of their adoption."""
        return adopted_at + datetime.timedelta(days=self.minutes_publication_days)

    def deadline_status(self, due: datetime.datetime, now: datetime.datetime) -> str:
        """'overdue', 'soon' (within the warning window) or 'ok'."""
        if now > due:
            return "overdue"
        if due - now <= datetime.timedelta(days=self.deadline_warning_days):
            return "soon"
        return "ok"

    # --- copies to the member communes' councillors (R32) ---------------------
    @staticmethod
    def councillors_get_copies(assembly: Assembly) -> bool:
        """R32: only an EPCI's member communes have councillors outside its council."""
        return assembly.is_epci

    def councillor_copy_due(self, kind: str, start: datetime.datetime) -> datetime.datetime:
        """R32: when a copy is due. The convocation's by the sitting's start (`start`); the
        list of deliberations' within `councillor_copy_months` of the sitting's close, the
        minutes' of their adoption (`start`), to the same day of the month, in Paris (the
        last day of a shorter month)."""
        if kind == "convocation":
            return start
        local = start.astimezone(PARIS)
        months = local.month - 1 + self.councillor_copy_months
        year, month = local.year + months // 12, months % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        return local.replace(year=year, month=month, day=day)

    @staticmethod
    def councillor_copy_late(
        due: datetime.datetime, sent_at: datetime.datetime | None, now: datetime.datetime
    ) -> bool:
        """R32: sent after its deadline, or not sent and the deadline passed."""
        return (sent_at or now) > due

    @staticmethod
    def is_deliberation(item_kind: str) -> bool:
        """R31: the items whose decision is a numbered deliberation."""
        return item_kind in ("deliberation", "election", "nomination", "budget", "accounts")

    @staticmethod
    def transmitted_to_prefecture(publication_kind: str) -> bool:
        """Contrôle de légalité (L2131-2 1° CGCT): the council's deliberations go to the
        prefect (through S²LOW). The list of deliberations (R30) and the minutes (R29) are
        made public, not transmitted [M]."""
        return publication_kind == "deliberation"

    def needs_matter_code(self, item_kind: str) -> bool:
        """A deliberation goes to the prefecture classified in the ACTES nomenclature: its
        item cannot be put to a vote without a matter code."""
        return self.is_deliberation(item_kind)

    def may_be_expelled(self, member_id: int, *, chair_id: int | None) -> bool:
        """R24: the chair may expel a councillor, never themself."""
        return self.members_may_be_expelled and member_id != chair_id

    def vote_lawful(self, item_kind: str, *, teleconference: bool) -> bool:
        """R27: whether an item may be voted at all in this sitting; the minutes require
        no vote result for an item that lawfully could not be voted."""
        return not (teleconference and self.forbidden_by_teleconference(item_kind))

    def forbidden_by_teleconference(self, item_kind: str) -> bool:
        """R27: no election of the president or bureau, no budget primitif and no
        designation of delegates in a sitting held by teleconference."""
        return item_kind in ("election", "nomination", "budget")


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
