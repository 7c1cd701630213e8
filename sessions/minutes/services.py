"""Writes of the minutes and of publication (R28-R31).

Deliberations are recorded when the sitting closes. The minutes go draft → final →
on the agenda of the next sitting → adopted there by vote → signed by the chair and the
secretary → published; each published act is a PDF with its SHA-256.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import User as AuthUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from council.domain_events import SittingClosed, VoteClosed, record_with
from council.models import Member
from council.regime import PARIS, regime_for
from sessions.errors import SittingErrorCode
from voting.models import Vote

from ..acts import Act, pdf_of
from ..errors import Conflict, Forbidden, InvalidInput, TransitionRefused
from ..models import AgendaItem, DebateSummary, Deliberation, Minutes, Publication, Sitting
from ..prefecture.services import transmissions_queue
from ..search.services import search_index_sitting
from ..services.common import User, actor, lock, log
from ..services.councillor_copies import copies_send
from . import pdf
from .draft import minutes_draft, missing_fields
from .timestamps import timestamp_pending

M = Minutes.State


class MinutesIncomplete(Conflict):
    code = SittingErrorCode.MINUTES_INCOMPLETE


def _require(minutes: Minutes, *states: str) -> None:
    if minutes.state not in states:
        raise TransitionRefused(
            _("Not possible now: the minutes are “%(state)s”.")
            % {"state": minutes.get_state_display()},
            code=SittingErrorCode.MINUTES_STATE,
            state=minutes.state,
        )


def _counts(vote: Any) -> dict[str, Any]:
    result = vote.result or {}
    keys = ("voices", "cast", "for", "against", "abstain", "winner", "tallies")
    counts = {k: result[k] for k in keys if k in result}
    counts["in_office"] = (vote.quorum or {}).get("in_office")
    return counts


def _subject(item: AgendaItem, vote: Any) -> str:
    winner = (vote.result or {}).get("winner")
    return f"{item.title} — {_('elected')}: {winner}" if winner else item.title


def deliberations_record(sitting: Sitting) -> list[Deliberation]:
    """R30-R31, at the close: one numbered deliberation per item decided by a vote, in the
    order of the agenda. The last closed vote on an item (an election's last round) decides."""
    regime = regime_for(sitting.assembly)
    day = (sitting.opened_at or sitting.starts_at).astimezone(PARIS)
    recorded: list[Deliberation] = []
    items = sitting.items.filter(state=AgendaItem.State.DONE).order_by("position")
    for item in items:
        vote = Vote.objects.filter(item=item, state=Vote.State.CLOSED).order_by("-id").first()
        if not regime.is_deliberation(item.kind) or vote is None or vote.closed_at is None:
            continue
        number = len(recorded) + 1
        recorded.append(
            Deliberation.objects.create(
                sitting=sitting,
                item=item,
                number=number,
                identifier=f"D{day:%Y%m%d}-{sitting.pk}-{number:02d}",
                subject=_subject(item, vote),
                adopted=bool(vote.adopted),
                vote=vote,
                counts=_counts(vote),
                matter_code=item.matter_code,
                decided_at=vote.closed_at,
            )
        )
    return recorded


def _published(*, sitting: Sitting, kind: str, title: str, act: Act, user: User) -> Publication:
    """Store a PDF once, with its hash and its author: the sitting's chair (R31), and the
    words it was made from, for its accessible page (R34)."""
    content = pdf_of(act)
    chair = sitting.chair
    publication = Publication(
        sitting=sitting,
        kind=kind,
        title=title,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        author_name=chair.full_name if chair else "",
        author_capacity=chair.capacity if chair else "",
        published_at=timezone.now(),
        published_by=actor(user),
        content=act.stored(),
    )
    publication.document.save(f"{kind}-{sitting.pk}.pdf", ContentFile(content), save=False)
    publication.save()
    timestamp_pending(publication)  # R31, optional: an RFC 3161 timestamp, asked for after
    return publication


@transaction.atomic
def deliberations_publish(*, sitting: Sitting, user: User) -> Publication:
    """Put the list of deliberations (R30) and each deliberation (R31) online."""
    sitting = lock(sitting)
    if sitting.state != Sitting.State.CLOSED:
        raise TransitionRefused(
            _("The deliberations are published once the sitting is closed."),
            code=SittingErrorCode.SITTING_NOT_CLOSED,
        )
    if sitting.publications.filter(kind=Publication.Kind.LIST).exists():
        raise Conflict(
            _("The list of deliberations is already online."),
            code=SittingErrorCode.ALREADY_PUBLISHED,
        )
    for deliberation in sitting.deliberations.select_related("item"):
        deliberation.publication = _published(
            sitting=sitting,
            kind=Publication.Kind.DELIBERATION,
            title=f"{deliberation.identifier} — {deliberation.subject}",
            act=pdf.deliberation_act(deliberation),
            user=user,
        )
        deliberation.save(update_fields=["publication"])
    listing = _published(
        sitting=sitting,
        kind=Publication.Kind.LIST,
        title=_("List of deliberations — %(title)s") % {"title": sitting.title},
        act=pdf.list_act(sitting),
        user=user,
    )
    log(sitting, "deliberations_published", user, publication=listing.pk)
    copies_send(
        sitting=sitting,
        kind="list",
        start=sitting.closed_at or listing.published_at,
        publication=listing,
    )  # R32
    transmissions_queue(sitting=sitting, user=user)  # to the prefecture, through S²LOW
    search_index_sitting(sitting=sitting)  # the deliberations are public now (R30-R31)
    return listing


def minutes_start(*, sitting: Sitting, user: User) -> Minutes:
    """The draft of a closed sitting's minutes (made once, then edited)."""
    if sitting.state != Sitting.State.CLOSED or sitting.outcome != Sitting.Outcome.HELD:
        raise TransitionRefused(
            _("Minutes are drafted for a sitting that was held and closed."),
            code=SittingErrorCode.SITTING_NOT_CLOSED,
        )
    minutes, _created = Minutes.objects.get_or_create(sitting=sitting)
    return minutes


def _locked(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update().select_related("sitting").get(pk=minutes.pk)


@transaction.atomic
def debate_summary_save(
    *, minutes: Minutes, item: AgendaItem, text: str, user: User
) -> DebateSummary:
    minutes = _locked(minutes)
    _require(minutes, M.DRAFT)
    if item.sitting_id != minutes.sitting_id:
        raise InvalidInput(
            _("This item is not on this sitting's agenda."), code=SittingErrorCode.INVALID_ITEM
        )
    summary, _created = DebateSummary.objects.update_or_create(
        minutes=minutes, item=item, defaults={"text": text.strip(), "updated_by": actor(user)}
    )
    return summary


@transaction.atomic
def minutes_finalise(*, minutes: Minutes, user: User) -> Minutes:
    """R28: the text is frozen; refused while a required field is missing."""
    minutes = _locked(minutes)
    _require(minutes, M.DRAFT)
    content = minutes_draft(minutes.sitting, minutes)
    missing = missing_fields(content)
    if missing:
        raise MinutesIncomplete(
            _("The minutes cannot be finalised; missing: %(fields)s.")
            % {"fields": "; ".join(missing)},
            missing=missing,
        )
    minutes.content = content
    minutes.finalised_at = timezone.now()
    minutes.state = M.FINAL
    minutes.save(update_fields=["content", "finalised_at", "state"])
    log(minutes.sitting, "minutes_finalised", user)
    return minutes


@transaction.atomic
def minutes_reopen(*, minutes: Minutes, user: User) -> Minutes:
    """Back to draft, to correct the text before it goes on an agenda."""
    minutes = _locked(minutes)
    _require(minutes, M.FINAL)
    minutes.state = M.DRAFT
    minutes.content = None
    minutes.save(update_fields=["state", "content"])
    return minutes


def _insert_first(sitting: Sitting, title: str) -> AgendaItem:
    """R29: the minutes are adopted at the start of the next sitting. Positions move in two
    steps so that the unique (sitting, position) constraint holds after each statement."""
    items = AgendaItem.objects.filter(sitting=sitting)
    items.update(position=F("position") + 10000)
    items.update(position=F("position") - 9999)
    return AgendaItem.objects.create(
        sitting=sitting, position=1, title=title, kind=AgendaItem.Kind.MINUTES
    )


@transaction.atomic
def minutes_put_on_agenda(*, minutes: Minutes, sitting: Sitting, user: User) -> AgendaItem:
    minutes = _locked(minutes)
    _require(minutes, M.FINAL)
    target = lock(sitting)
    earlier = minutes.sitting
    if target.assembly_id != earlier.assembly_id or target.starts_at <= earlier.starts_at:
        raise InvalidInput(
            _("The minutes go on the agenda of a later sitting of the same assembly."),
            code=SittingErrorCode.INVALID_SITTING,
        )
    if target.state != Sitting.State.DRAFT:
        raise TransitionRefused(
            _("That sitting's agenda is fixed: its convocation has been sent."),
            code=SittingErrorCode.AGENDA_FIXED,
        )
    when = (earlier.opened_at or earlier.starts_at).astimezone(PARIS)
    item = _insert_first(
        target,
        _("Adoption of the minutes of the sitting of %(date)s") % {"date": f"{when:%d/%m/%Y}"},
    )
    minutes.adoption_item = item
    minutes.state = M.ON_AGENDA
    minutes.save(update_fields=["adoption_item", "state"])
    log(target, "item_added", user, item=item.id, minutes_of=earlier.id)
    return item


def minutes_vote_closed(vote: Any) -> None:
    """Called when a vote closes: a vote on the minutes adopts them, or sends them back
    to draft for correction."""
    minutes = Minutes.objects.select_for_update().filter(adoption_item_id=vote.item_id).first()
    if minutes is None or minutes.state != M.ON_AGENDA:
        return
    if vote.adopted:
        minutes.state, minutes.adoption_vote, minutes.adopted_at = M.ADOPTED, vote, vote.closed_at
    else:
        minutes.state, minutes.adoption_item, minutes.content = M.DRAFT, None, None
    minutes.save(update_fields=["state", "adoption_vote", "adopted_at", "adoption_item", "content"])
    log(minutes.sitting, "minutes_adopted" if vote.adopted else "minutes_rejected", None)


def _signer(minutes: Minutes, user: User) -> tuple[str, Member]:
    sitting = minutes.sitting
    member = Member.objects.filter(user=actor(user), assembly_id=sitting.assembly_id).first()
    if member is not None and member.id == sitting.chair_id:
        return "chair", member
    if member is not None and member.id == sitting.secretary_id:
        return "secretary", member
    raise Forbidden(
        _("The minutes are signed by the chair and the secretary of the sitting (R29).")
    )


@transaction.atomic
def minutes_sign(*, minutes: Minutes, user: User) -> Minutes:
    minutes = _locked(minutes)
    _require(minutes, M.ADOPTED)
    role, member = _signer(minutes, user)
    field = f"{role}_signature"
    if getattr(minutes, field):
        raise Conflict(
            _("You have already signed these minutes."), code=SittingErrorCode.ALREADY_SIGNED
        )
    capacity = member.capacity if role == "chair" else _("Secretary of the sitting")
    signature = {"name": member.full_name, "capacity": capacity, "at": timezone.now().isoformat()}
    setattr(minutes, field, signature)
    if minutes.chair_signature and minutes.secretary_signature:
        minutes.state = M.SIGNED
    minutes.save(update_fields=[field, "state"])
    log(minutes.sitting, "minutes_signed", user, role=role)
    return minutes


@transaction.atomic
def minutes_publish(*, minutes: Minutes, user: User) -> Publication:
    """R29, R31: the signed minutes online, permanently, as a PDF with its SHA-256."""
    minutes = _locked(minutes)
    _require(minutes, M.SIGNED)
    publication = _published(
        sitting=minutes.sitting,
        kind=Publication.Kind.MINUTES,
        title=_("Minutes — %(title)s") % {"title": minutes.sitting.title},
        act=pdf.minutes_act(minutes),
        user=user,
    )
    minutes.publication = publication
    minutes.state = M.PUBLISHED
    minutes.save(update_fields=["publication", "state"])
    if minutes.adopted_at is not None:  # R32
        copies_send(
            sitting=minutes.sitting,
            kind="minutes",
            start=minutes.adopted_at,
            publication=publication,
        )
    log(minutes.sitting, "minutes_published", user, publication=publication.pk)
    return publication


def can_sign(minutes: Minutes, user: Any) -> str | None:
    """'chair' or 'secretary' if `user` signs these minutes and has not yet, else None."""
    if not isinstance(user, AuthUser) or minutes.state != M.ADOPTED:
        return None
    try:
        role, _member = _signer(minutes, user)
    except Forbidden:
        return None
    return None if getattr(minutes, f"{role}_signature") else role


def _on_sitting_closed(event: SittingClosed) -> None:
    """R30-R31: the close records the sitting's deliberations, in the close's transaction."""
    deliberations_record(Sitting.objects.select_related("assembly").get(pk=event.sitting_id))


def _on_vote_closed(event: VoteClosed) -> None:
    """A vote on the minutes adopts them or sends them back, in the close's transaction
    (a closed-session vote decides the sitting's course, never the minutes)."""
    vote = Vote.objects.get(pk=event.vote)
    if vote.purpose != Vote.Purpose.CLOSED_SESSION:
        minutes_vote_closed(vote)


def connect() -> None:
    """The minutes record what the sitting's close and a vote's close decide, in the same
    transaction as the change (council.domain_events.record_with): the services that close
    never import the minutes."""
    record_with(SittingClosed, _on_sitting_closed)
    record_with(VoteClosed, _on_vote_closed)
