"""Sittings being prepared: creation, agenda items and their documents."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from council.models import Assembly, Member, Room
from council.regime import regime_for
from sessions.errors import SittingErrorCode

from ..errors import InvalidInput, UploadRefused
from ..models import AgendaItem, Document, Sitting, actes
from .carry import postponed_carry_into, require_one_place, require_removable
from .common import User, log, require_in_office, require_state
from .files import files_undone_on_failure

EDITABLE = (Sitting.State.DRAFT,)


def _check_rooms(assembly: Assembly, place: Room | None, remote_rooms: Iterable[Room]) -> None:
    if place is not None and place.assembly_id != assembly.id:
        raise InvalidInput(
            _("The place belongs to another assembly."), code=SittingErrorCode.WRONG_ROOM
        )
    rooms = list(remote_rooms)
    if rooms and not regime_for(assembly).allows_teleconference(assembly):
        raise InvalidInput(
            _("A municipal council cannot deliberate by videoconference (R26)."),
            code=SittingErrorCode.TELECONFERENCE_NOT_ALLOWED,
        )
    for room in rooms:
        if room.assembly_id != assembly.id or room.kind != Room.Kind.REMOTE:
            raise InvalidInput(
                _("%(room)s is not a designated remote room of this assembly.") % {"room": room},
                code=SittingErrorCode.WRONG_ROOM,
            )


@transaction.atomic
def sitting_create(
    *,
    assembly: Assembly,
    title: str,
    starts_at: datetime.datetime,
    user: User,
    place: Room | None = None,
    remote_rooms: Iterable[Room] = (),
    urgency: bool = False,
    urgency_reason: str = "",
    first_after_renewal: bool = False,
) -> Sitting:
    remote_rooms = list(remote_rooms)
    _check_rooms(assembly, place, remote_rooms)
    if urgency and not urgency_reason.strip():
        raise InvalidInput(
            _("Give the reason for the urgency."), code=SittingErrorCode.URGENCY_REASON_MISSING
        )
    chamber = place or assembly.rooms.filter(kind=Room.Kind.CHAMBER).first()
    if chamber is None:
        raise InvalidInput(
            _("This assembly has no council chamber."), code=SittingErrorCode.NO_CHAMBER
        )
    sitting = Sitting.objects.create(
        assembly=assembly,
        title=title.strip(),
        starts_at=starts_at,
        place=chamber,
        urgency=urgency,
        urgency_reason=urgency_reason.strip(),
        first_after_renewal=first_after_renewal,
        chair=assembly.members.filter(role=Member.Role.CHAIR).first(),
    )
    sitting.remote_rooms.set(remote_rooms)
    log(sitting, "created", user)
    postponed_carry_into(target=sitting, user=user)  # R27
    return sitting


@transaction.atomic
def sitting_update(
    *,
    sitting: Sitting,
    user: User,
    title: str,
    starts_at: datetime.datetime,
    place: Room | None = None,
    remote_rooms: Iterable[Room] = (),
    urgency: bool = False,
    urgency_reason: str = "",
    first_after_renewal: bool = False,
) -> Sitting:
    require_state(sitting, *EDITABLE, action=_("edit the sitting"))
    remote_rooms = list(remote_rooms)
    _check_rooms(sitting.assembly, place, remote_rooms)
    sitting.remote_rooms.set(remote_rooms)  # undone with the rest if refused below
    if sitting.is_teleconference:
        require_one_place(sitting)  # R27
    if urgency and not urgency_reason.strip():
        raise InvalidInput(
            _("Give the reason for the urgency."), code=SittingErrorCode.URGENCY_REASON_MISSING
        )
    sitting.title = title.strip()
    sitting.starts_at = starts_at
    sitting.place = place or sitting.place
    sitting.urgency = urgency
    sitting.urgency_reason = urgency_reason.strip()
    sitting.first_after_renewal = first_after_renewal
    sitting.save()
    log(sitting, "updated", user)
    postponed_carry_into(target=sitting, user=user)  # R27
    return sitting


@transaction.atomic
def item_add(
    *,
    sitting: Sitting,
    user: User,
    title: str,
    kind: str = AgendaItem.Kind.DELIBERATION,
    summary: str = "",
    rapporteur: Member | None = None,
    urgent: bool = False,
    matter: str = "",
) -> AgendaItem:
    """R3: the agenda is fixed once the convocation is sent. `matter`: the item's ACTES
    code (sessions/minutes/actes.py), needed before a deliberation is voted."""
    require_state(sitting, *EDITABLE, action=_("change the agenda"))
    if kind not in AgendaItem.Kind.values:
        raise InvalidInput(_("Unknown item kind."), code=SittingErrorCode.INVALID_KIND)
    if not title.strip():
        raise InvalidInput(_("An item needs a title."), code=SittingErrorCode.TITLE_MISSING)
    if rapporteur is not None:
        require_in_office(sitting, rapporteur)
    if matter and matter not in actes.LEVEL_2:
        raise InvalidInput(_("Unknown ACTES matter code."), code=SittingErrorCode.INVALID_MATTER)
    top = sitting.items.aggregate(top=Max("position"))["top"] or 0
    item = AgendaItem.objects.create(
        sitting=sitting,
        position=top + 1,
        title=title.strip(),
        kind=kind,
        summary=summary,
        rapporteur=rapporteur,
        urgent=urgent,
        matter=matter,
    )
    log(sitting, "item_added", user, item=item.id)
    return item


def item_matter_set(*, item: AgendaItem, matter: str, user: User) -> AgendaItem:
    """The item's ACTES matter code: the classification the deliberation is sent to the
    prefecture with. It does not change the agenda (R3), so the clerk may give or correct
    it after the convocation, until the item is decided."""
    if matter not in actes.LEVEL_2:
        raise InvalidInput(_("Unknown ACTES matter code."), code=SittingErrorCode.INVALID_MATTER)
    item = AgendaItem.objects.select_related("sitting").get(pk=item.pk)
    if item.state == AgendaItem.State.DONE or item.sitting.state == Sitting.State.CLOSED:
        raise InvalidInput(
            _("This item is decided: its matter code is that of its deliberation."),
            code=SittingErrorCode.ITEM_DECIDED,
        )
    item.matter = matter
    item.save(update_fields=["matter"])
    log(item.sitting, "item_matter_set", user, item=item.id, matter=matter)
    return item


@transaction.atomic
def item_remove(*, item: AgendaItem, user: User) -> None:
    sitting = item.sitting
    require_state(sitting, *EDITABLE, action=_("change the agenda"))
    require_removable(item)
    item.delete()
    for position, other in enumerate(sitting.items.order_by("position"), start=1):
        if other.position != position:
            AgendaItem.objects.filter(pk=other.pk).update(position=position)
    log(sitting, "item_removed", user, item=item.pk)


def pdf_checked(upload: UploadedFile) -> tuple[int, str]:
    """Type and size checks for an uploaded PDF; returns its size and SHA-256."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    limit = settings.SEANCE_MAX_UPLOAD_BYTES
    size = upload.size or 0
    if size == 0:
        raise UploadRefused(_("The file is empty."))
    if size > limit:
        raise UploadRefused(
            _("The file is too large (%(size)s MB, at most %(limit)s MB).")
            % {"size": round(size / 1e6, 1), "limit": round(limit / 1e6)}
        )
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        raise UploadRefused(_("Only PDF documents are accepted."))
    upload.seek(0)
    try:
        PdfReader(upload).pages[0]
    except (PyPdfError, ValueError, IndexError, KeyError, TypeError):
        raise UploadRefused(_("The PDF document is damaged or unreadable.")) from None
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def document_attach(
    *, item: AgendaItem, user: User, kind: str, title: str, upload: UploadedFile
) -> Document:
    """The file is written once every check has passed, and removed again if the
    transaction does not commit (files.py)."""
    with files_undone_on_failure() as written, transaction.atomic():
        require_state(item.sitting, *EDITABLE, action=_("attach a document"))
        if kind not in Document.Kind.values:
            raise InvalidInput(_("Unknown document kind."), code=SittingErrorCode.INVALID_KIND)
        size, sha = pdf_checked(upload)
        doc = Document(
            item=item,
            kind=kind,
            title=title.strip() or upload.name or "document.pdf",
            size=size,
            sha256=sha,
        )
        written.save(doc.file, f"{sha[:16]}.pdf", upload)
        doc.save()
        log(item.sitting, "document_attached", user, item=item.id, document=doc.id)
        return doc
