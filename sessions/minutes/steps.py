"""The minutes' workflow as each person sees it (R28-R31): the steps from the draft to the
publication, the current one, who acts at each, whether the reader may act now, and why
a step cannot be taken yet. Nothing here writes; the pages render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from council.regime import PARIS
from council.words import day_date

from ..access import Role, can
from ..models import Minutes, Sitting
from .draft import missing_fields
from .services import can_sign

M = Minutes.State
ORDER: list[str] = [M.DRAFT, M.FINAL, M.ON_AGENDA, M.ADOPTED, M.SIGNED, M.PUBLISHED]


@dataclass
class Step:
    key: str
    label: str
    who: str
    status: str = "todo"  # "done", "current" (where the minutes are), "next" or "todo"
    you: bool = False  # the reader is among those who act at this step
    blocked: str = ""  # why this step cannot be taken now
    notes: list[str] = field(default_factory=list)


@dataclass
class Target:
    """A later sitting of the assembly, and whether the minutes may go on its agenda."""

    sitting: Sitting
    eligible: bool
    reason: str


def _day(sitting: Sitting) -> str:
    return day_date(sitting.starts_at.astimezone(PARIS), "j F Y")


def agenda_targets(minutes: Minutes) -> list[Target]:
    """R29, R3: the adoption goes on the agenda of a later sitting of the same assembly
    whose convocation is not sent yet (its agenda may still change); each other later
    sitting says why it is not offered."""
    earlier = minutes.sitting
    later = Sitting.objects.filter(
        assembly_id=earlier.assembly_id, starts_at__gt=earlier.starts_at
    ).order_by("starts_at")
    targets = []
    for s in later:
        if s.state == Sitting.State.DRAFT:
            targets.append(Target(s, True, ""))
        elif s.state == Sitting.State.CONVENED:
            reason = _("already convened: its agenda is fixed (R3)")
            targets.append(Target(s, False, reason))
        else:
            targets.append(Target(s, False, _("already held or in progress")))
    return targets


def _agenda_block(targets: list[Target]) -> str:
    if any(t.eligible for t in targets):
        return ""
    convened = next((t.sitting for t in targets if t.sitting.state == Sitting.State.CONVENED), None)
    if convened is not None:
        return _(
            "The next sitting (%(title)s, %(day)s) is already convened and its agenda fixed:"
            " create a later sitting, or put the minutes on its agenda before the convocation"
            " next time."
        ) % {"title": convened.title, "day": _day(convened)}
    return _("No later sitting is in preparation: the clerk creates the next sitting first.")


def _signers(minutes: Minutes) -> str:
    sitting = minutes.sitting
    chair = sitting.chair.full_name if sitting.chair else _("the chair")
    secretary = sitting.secretary.full_name if sitting.secretary else _("the secretary")
    return _("%(chair)s (chair) and %(secretary)s (secretary of the sitting)") % {
        "chair": chair,
        "secretary": secretary,
    }


def minutes_steps(minutes: Minutes, user: Any, content: dict[str, Any]) -> list[Step]:
    """The six steps, with the reader's part in each."""
    sitting = minutes.sitting
    steps = _six_steps(
        minutes, drafts=can(user, sitting, Role.MINUTES), clerk=can(user, sitting, Role.CLERK)
    )
    _place(steps, minutes.state)
    _drafting_blocks(steps, minutes, content)
    _adoption(steps, minutes, user)
    _signing(steps, minutes, user)
    return steps


def _six_steps(minutes: Minutes, *, drafts: bool, clerk: bool) -> list[Step]:
    """The steps from the draft to the publication (R28-R31), and who acts at each."""
    return [
        Step(
            M.DRAFT,
            _("Draft"),
            _(
                "The secretary of the sitting, the clerk's services or the chair write the"
                " summary of the debates."
            ),
            you=drafts,
        ),
        Step(
            M.FINAL,
            _("Finalised"),
            _("The secretary of the sitting, the clerk's services or the chair finalise the text."),
            you=drafts,
        ),
        Step(
            M.ON_AGENDA,
            _("On the agenda of the next sitting"),
            _("The clerk puts the adoption first on the agenda of the next sitting."),
            you=clerk,
        ),
        Step(
            M.ADOPTED,
            _("Adopted"),
            _(
                "The council adopts them by a vote at that sitting; its chair puts them to"
                " the vote."
            ),
        ),
        Step(M.SIGNED, _("Signed"), _signers(minutes)),
        Step(
            M.PUBLISHED,
            _("Published"),
            _("The clerk puts the signed minutes online."),
            you=clerk,
        ),
    ]


def _place(steps: list[Step], state: str) -> None:
    """Each step done, current (where the minutes are), next or still to do."""
    reached = ORDER.index(state)
    for index, step in enumerate(steps):
        step.status = "done" if index < reached else "current" if index == reached else "todo"
    if reached + 1 < len(steps):
        steps[reached + 1].status = "next"


def _drafting_blocks(steps: list[Step], minutes: Minutes, content: dict[str, Any]) -> None:
    """Why the draft cannot be finalised yet (its missing fields), and why the minutes
    cannot go on an agenda yet (R29, R3: no later sitting in preparation)."""
    missing = missing_fields(content) if minutes.state == M.DRAFT else []
    if missing:
        steps[1].blocked = _("Still missing: %(fields)s.") % {"fields": "; ".join(missing)}
    if minutes.state in (M.DRAFT, M.FINAL):
        steps[2].blocked = _agenda_block(agenda_targets(minutes))
        if minutes.state == M.DRAFT and not steps[2].blocked:
            steps[2].blocked = _("The minutes must be finalised first.")


def _adoption(steps: list[Step], minutes: Minutes, user: Any) -> None:
    """The adoption's item, and whether the reader chairs that sitting once it is live."""
    adoption = minutes.adoption_item
    if adoption is None:
        return
    target = adoption.sitting
    steps[3].notes.append(
        _("Item %(n)s of “%(title)s”, %(day)s.")
        % {"n": adoption.position, "title": target.title, "day": _day(target)}
    )
    steps[3].you = can(user, target, Role.CHAIR) and target.is_live
    if minutes.state == M.ON_AGENDA and not target.is_live:
        steps[3].blocked = _("That sitting has not opened yet.")


def _signing(steps: list[Step], minutes: Minutes, user: Any) -> None:
    """Whether the reader signs, the signatures given, and who alone may sign (R29)."""
    steps[4].you = bool(can_sign(minutes, user))
    for signature in (minutes.chair_signature, minutes.secretary_signature):
        if signature:
            steps[4].notes.append(
                _("Signed by %(name)s on %(at)s.")
                % {"name": signature["name"], "at": signature["at"][:10]}
            )
    if minutes.state == M.ADOPTED and not steps[4].you and not _signer_account(minutes, user):
        steps[4].notes.append(
            _(
                "Only the chair and the secretary of the sitting sign, from their own"
                " councillor's login; a service account cannot sign for them (R29)."
            )
        )


def _signer_account(minutes: Minutes, user: Any) -> bool:
    sitting = minutes.sitting
    uid = getattr(user, "pk", None)
    people = [sitting.chair, sitting.secretary]
    return uid is not None and any(p is not None and p.user_id == uid for p in people)


def next_for_you(steps: list[Step]) -> str:
    """One sentence: what the reader may do now, or who must act."""
    current = next((s for s in steps if s.status == "next"), None)
    if current is None:
        return _("The minutes are published: nothing is left to do.")
    if current.blocked:
        return _("Next step, “%(step)s”: %(who)s Not possible yet. %(why)s") % {
            "step": current.label,
            "who": current.who,
            "why": current.blocked,
        }
    if current.you:
        return _("It is your turn: “%(step)s”. %(who)s") % {
            "step": current.label,
            "who": current.who,
        }
    return _("Nothing for you to do now. Next step, “%(step)s”: %(who)s") % {
        "step": current.label,
        "who": current.who,
    }
