"""R32: in an EPCI, the municipal councillors of the member communes who do not sit in its
council are sent a copy of the convocation, of the list of deliberations and of the minutes
(L5211-40-2 CGCT), each delivered as the members' convocations are: one job per copy and
dispatch, retried, re-sent on demand, with a per-recipient link as the proof of opening,
and its deadline from the regime shown on the delivery board."""

from __future__ import annotations

import csv
import datetime
import io
import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from council.jobs import run_or_enqueue_on_commit
from council.models import Assembly, CommuneCouncillor, MemberCommune
from council.regime import regime_for
from sessions.errors import SittingErrorCode

from ..errors import InvalidInput, NotFound
from ..mail import send_councillor_copy_email
from ..models import CouncillorCopy, Publication, Sitting
from ..selectors import members_in_office
from .common import User, lock, log
from .delivery import claim, deliver, redispatch

logger = logging.getLogger(__name__)

S = CouncillorCopy.Status
# The job of one copy's dispatch (sessions.tasks), started by name.
DELIVER_JOB = "sessions.tasks.deliver_councillor_copy"
# The copies a job may send: a convocation's only while its sitting is convened.
SENDABLE = CouncillorCopy.objects.filter(
    ~Q(kind=CouncillorCopy.Kind.CONVOCATION) | Q(sitting__state=Sitting.State.CONVENED)
)


def councillors_outside(sitting: Sitting) -> list[CommuneCouncillor]:
    """R32: the member communes' councillors in office who do not sit in the council (one
    whose address is a member's in office is taken to sit, and gets the member's own)."""
    sitting_addresses = {m.email.lower() for m in members_in_office(sitting) if m.email}
    return [
        c
        for c in CommuneCouncillor.objects.filter(
            commune__assembly=sitting.assembly, active=True
        ).select_related("commune")
        if not c.email or c.email.lower() not in sitting_addresses
    ]


def copies_send(
    *,
    sitting: Sitting,
    kind: str,
    start: datetime.datetime,
    publication: Publication | None = None,
) -> list[CouncillorCopy]:
    """R32: one copy of `kind` for each councillor outside the council, due by the regime's
    deadline from `start` (the sitting's start, close, or the minutes' adoption), sent once
    committed. Nothing for a commune's own council. Called inside the sending transaction."""
    regime = regime_for(sitting.assembly)
    if not regime.councillors_get_copies(sitting.assembly):
        return []
    now = timezone.now()
    due = regime.councillor_copy_due(kind, start)
    had = set(
        CouncillorCopy.objects.filter(sitting=sitting, kind=kind).values_list(
            "councillor_id", flat=True
        )
    )
    copies = [
        CouncillorCopy.objects.create(
            sitting=sitting,
            councillor=councillor,
            kind=kind,
            publication=publication,
            email=councillor.email,
            created_at=now,
            due_at=due,
            **({} if councillor.email else _no_address()),
        )
        for councillor in councillors_outside(sitting)
        if councillor.pk not in had
    ]
    _dispatch_on_commit([c for c in copies if c.email])
    return copies


def _no_address() -> dict[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        message = _("The councillor has no e-mail address: send it on paper or enter one.")
    return {"status": S.FAILED, "delivery_error": message}


def _dispatch_on_commit(copies: list[CouncillorCopy]) -> None:
    """R32: one job per copy and dispatch, once committed, as the convocations' are."""
    jobs = [(c.pk, c.dispatch) for c in copies]
    run_or_enqueue_on_commit(DELIVER_JOB, jobs, inline_seconds=settings.SEANCE_MAIL_INLINE_SECONDS)


@transaction.atomic
def copy_resend(*, sitting: Sitting, copy_id: int, user: User) -> CouncillorCopy:
    """The clerk sends one copy again, to the address the councillor has now (R32)."""
    sitting = lock(sitting)
    copy = (
        CouncillorCopy.objects.select_for_update()
        .select_related("councillor")
        .filter(sitting=sitting, pk=copy_id)
        .first()
    )
    if copy is None:
        raise NotFound(_("This copy is not one of this sitting's."))
    name = {"name": copy.councillor.full_name}
    redispatch(
        copy,
        email=copy.councillor.email,
        no_email=_("%(name)s has no e-mail address: enter one in the councillor's record first.")
        % name,
        in_progress=_("The copy is being sent to %(name)s right now.") % name,
    )
    log(sitting, "councillor_copy_resent", user, copy=copy.pk, dispatch=copy.dispatch)
    _dispatch_on_commit([copy])
    return copy


def copy_deliver(*, copy_id: int, dispatch: int, retry_in: float | None) -> CouncillorCopy | None:
    """Send one dispatch of one copy, as `convocation_deliver` does a member's (R32), and
    only while its sitting is in the state the copy is sent in: a convocation's copy no
    longer once the sitting has opened, as the members' convocations."""
    if not claim(SENDABLE, copy_id, dispatch):
        return None
    copy = CouncillorCopy.objects.select_related(
        "sitting__assembly", "sitting__convocation", "councillor__commune", "publication"
    ).get(pk=copy_id)
    return deliver(copy, send_councillor_copy_email, retry_in)


@transaction.atomic
def copy_acknowledge(*, token: str) -> CouncillorCopy:
    """The councillor opened the copy's link: the proof of opening (R32)."""
    copy = (
        CouncillorCopy.objects.select_for_update(of=("self",))
        .select_related("sitting", "councillor", "publication")
        .filter(token=token)
        .first()
    )
    if copy is None:
        raise NotFound(_("This acknowledgement link is not valid."))
    if copy.opened_at is None:
        copy.opened_at = timezone.now()
    copy.open_count += 1
    copy.save(update_fields=["opened_at", "open_count"])
    return copy


@dataclass
class CopyRow:
    copy: CouncillorCopy
    late: bool


def copies_board(sitting: Sitting, now: datetime.datetime | None = None) -> list[CopyRow]:
    """The board's rows (R32): each copy, and whether it left (or is still not sent) after
    its deadline."""
    now = now or timezone.now()
    regime = regime_for(sitting.assembly)
    copies = sitting.councillor_copies.select_related("councillor__commune")
    return [CopyRow(c, regime.councillor_copy_late(c.due_at, c.sent_at, now)) for c in copies]


# --- the clerk's CSV import of the member communes' councillors (R32) -----------------

IMPORT_MAX_BYTES = 200_000
IMPORT_COLUMNS = ("commune", "prenom", "nom", "courriel")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def _header(cell: str) -> str:
    """A column's name without case, accents or spaces ("Prénom" → "prenom")."""
    bare = unicodedata.normalize("NFKD", cell.strip().lower())
    return "".join(ch for ch in bare if ch.isalnum())


def _rows(assembly: Assembly, data: bytes) -> list[list[str]]:
    """The CSV's non-empty rows, refused unless for an EPCI, small and in UTF-8."""
    if not regime_for(assembly).councillors_get_copies(assembly):
        raise InvalidInput(
            _("Only an intercommunal council has member communes' councillors (R32)."),
            code=SittingErrorCode.NOT_EPCI,
        )
    if len(data) > IMPORT_MAX_BYTES:
        raise InvalidInput(
            _("The file is too large (%(max)s kB at most).") % {"max": IMPORT_MAX_BYTES // 1000},
            code=SittingErrorCode.FILE_TOO_LARGE,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The file must be a CSV in UTF-8."), code=SittingErrorCode.NOT_UTF8
        ) from None
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0] else ","))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InvalidInput(_("The file is empty."), code=SittingErrorCode.EMPTY)
    return rows


def _columns(first_row: list[str]) -> dict[str, int]:
    """Where each of the import's columns is, from the first line's names."""
    header = [_header(c) for c in first_row]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            _(
                "The first line must name the columns commune, prénom, nom, courriel "
                "(missing: %(cols)s)."
            )
            % {"cols": ", ".join(missing)},
            code=SittingErrorCode.COLUMNS_MISSING,
        )
    return {c: header.index(c) for c in IMPORT_COLUMNS}


Line = tuple[MemberCommune, str, str, str]  # commune, first name, last name, e-mail


def _line(number: int, cells: dict[str, str], communes: dict[str, MemberCommune]) -> Line | str:
    """One line's councillor, or what is wrong with it."""
    commune = communes.get(cells["commune"].lower())
    if commune is None:
        return _("line %(n)s: “%(commune)s” is not a member commune") % {
            "n": number,
            "commune": cells["commune"][:80],
        }
    if not cells["prenom"] or not cells["nom"]:
        return _("line %(n)s: the first and last names are required") % {"n": number}
    if len(cells["prenom"]) > 100 or len(cells["nom"]) > 100:
        return _("line %(n)s: a name is longer than 100 characters") % {"n": number}
    if cells["courriel"]:
        try:
            validate_email(cells["courriel"])
        except ValidationError:
            return _("line %(n)s: “%(email)s” is not an e-mail address") % {
                "n": number,
                "email": cells["courriel"][:80],
            }
    return commune, cells["prenom"], cells["nom"], cells["courriel"]


def _lines(assembly: Assembly, data: bytes) -> list[Line]:
    """Every line's councillor; one bad line and the whole file is refused, naming each."""
    rows = _rows(assembly, data)
    at = _columns(rows[0])
    communes = {c.name.strip().lower(): c for c in assembly.communes.all()}
    read = [
        _line(n, {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}, communes)
        for n, row in enumerate(rows[1:], start=2)
    ]
    problems = [r for r in read if isinstance(r, str)]
    if problems:
        raise InvalidInput(
            _("Nothing was imported: %(problems)s.") % {"problems": "; ".join(problems[:20])},
            code=SittingErrorCode.INVALID_LINES,
        )
    return [r for r in read if not isinstance(r, str)]


@transaction.atomic
def councillors_import(*, assembly: Assembly, data: bytes, user: User) -> ImportResult:
    """R32: the clerk's CSV of the member communes' councillors (columns commune, prénom,
    nom, courriel; `,` or `;`). A councillor already entered (same commune, first and last
    name) has their address updated, the others are added, none is removed. One bad line
    and nothing is stored: every bad line is named in the refusal."""
    parsed = _lines(assembly, data)
    result = ImportResult()
    for commune, first, last, email in parsed:
        _councillor, created = CommuneCouncillor.objects.update_or_create(
            commune=commune,
            first_name=first,
            last_name=last,
            defaults={"email": email, "active": True},
        )
        if created:
            result.created += 1
        else:
            result.updated += 1
    logger.info(
        "assembly %s: %s councillors imported by %s",
        assembly.pk,
        len(parsed),
        getattr(user, "pk", None),
    )
    return result
