"""R27: an item postponed because a secret ballot was requested in a sitting held by
teleconference stays postponed, and is carried to the assembly's next sitting that is
not held by teleconference and whose agenda may still change (R3: a draft). It is
carried when the sitting closes, or as soon as such a sitting is created or made so."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from sessions.errors import SittingErrorCode

from ..errors import TransitionRefused
from ..models import AgendaItem, Document, Sitting, SittingLog
from .common import User, log

SECRET_TELECONFERENCE = "secret_teleconference"


def _waiting(target: Sitting) -> QuerySet[AgendaItem]:
    """Items of earlier closed sittings of the assembly postponed by R27, not yet carried."""
    entries = SittingLog.objects.filter(
        sitting__assembly_id=target.assembly_id,
        sitting__state=Sitting.State.CLOSED,
        sitting__starts_at__lt=target.starts_at,
        kind="secret_ballot_requested",
    )
    ids = {int(e.data["item"]) for e in entries if e.data.get("postponed") and e.data.get("item")}
    carried = AgendaItem.objects.filter(
        carried_from_id__in=ids, carried_because=SECRET_TELECONFERENCE
    ).values_list("carried_from_id", flat=True)
    return (
        AgendaItem.objects.filter(pk__in=ids, state=AgendaItem.State.POSTPONED)
        .exclude(pk__in=list(carried))
        .select_related("sitting")
        .order_by("sitting__starts_at", "position")
    )


def _can_receive(target: Sitting) -> bool:
    return target.state == Sitting.State.DRAFT and not target.is_teleconference


def item_carry(item: AgendaItem, *, into: Sitting, position: int, because: str = "") -> AgendaItem:
    """The item as it stands, on another sitting's agenda (R12's second convocation, R27's
    next sitting in person): its title, kind, summary, rapporteur and ACTES matter code."""
    return AgendaItem.objects.create(
        sitting=into,
        position=position,
        title=item.title,
        kind=item.kind,
        summary=item.summary,
        rapporteur=item.rapporteur,
        matter=item.matter,
        carried_from=item,
        carried_because=because,
    )


def postponed_carry_into(*, target: Sitting, user: User) -> list[AgendaItem]:
    """Carry every waiting R27 item onto `target`'s agenda (after its items), with its
    documents; each carry is entered in the target's journal."""
    if not _can_receive(target):
        return []
    carried = []
    top = target.items.aggregate(top=Max("position"))["top"] or 0
    for position, item in enumerate(_waiting(target), start=top + 1):
        copy = item_carry(item, into=target, position=position, because=SECRET_TELECONFERENCE)
        for doc in item.documents.all():
            Document.objects.create(
                item=copy,
                kind=doc.kind,
                title=doc.title,
                file=doc.file.name,
                size=doc.size,
                sha256=doc.sha256,
            )
        log(target, "item_carried", user, item=copy.id, carried_from=item.id, rule="R27")
        carried.append(copy)
    return carried


def postponed_carry_from(*, sitting: Sitting, user: User) -> list[AgendaItem]:
    """At the close: carry the sitting's R27 items to the next sitting that may take them."""
    later = Sitting.objects.filter(
        assembly_id=sitting.assembly_id,
        state=Sitting.State.DRAFT,
        starts_at__gt=sitting.starts_at,
    ).order_by("starts_at")
    target = next((s for s in later if not s.is_teleconference), None)
    return [] if target is None else postponed_carry_into(target=target, user=user)


def carried_postponed(sitting: Sitting) -> bool:
    return sitting.items.filter(carried_because=SECRET_TELECONFERENCE).exists()


def require_one_place(sitting: Sitting) -> None:
    """R27: a sitting that carries an item postponed for a secret ballot is not held by
    teleconference."""
    if carried_postponed(sitting):
        raise TransitionRefused(
            _(
                "This sitting carries an item postponed because a secret ballot was requested "
                "in a sitting held by teleconference: it cannot be held by teleconference "
                "(R27)."
            ),
            code=SittingErrorCode.CARRIED_NEEDS_ONE_PLACE,
        )


def require_removable(item: AgendaItem) -> None:
    """R27: the item postponed by the secret-ballot request stays on the agenda."""
    if item.carried_because == SECRET_TELECONFERENCE:
        raise TransitionRefused(
            _(
                "This item was postponed to this sitting because a secret ballot was "
                "requested in a sitting held by teleconference (R27): it stays on the agenda."
            ),
            code=SittingErrorCode.CARRIED_ITEM_STAYS,
        )
