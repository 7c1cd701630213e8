"""Writes of the transmission to the prefecture (contrôle de légalité, L2131-1 and
L2131-2 CGCT) through S²LOW: each act the regime sends is one Transmission, queued when
the act is published, posted once, then polled until the prefecture's acknowledgement
(ARActe), whose identifier and date go to the archive and the SCDL export (R31).

Never sent twice: a try first records that it is posting (its own transaction), and a
try that follows one whose answer never came asks S²LOW for the act's number (unique per
collectivity, which S²LOW itself enforces) before posting again.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.jobs import enqueue_on_commit
from council.regime import PARIS, regime_for
from sessions.errors import SittingErrorCode

from ..errors import Conflict, TransitionRefused
from ..models import Document, PrefectureLink, Publication, Sitting, Transmission
from ..services.common import User, log
from . import client

logger = logging.getLogger(__name__)

T = Transmission.State
# The job that posts one act (sessions.prefecture.tasks), started by name.
SEND_JOB = "sessions.prefecture.transmit_act"
ACTES = "{http://www.interieur.gouv.fr/ACTES#v1.1-20040216}"
# ACTES natures: 1 deliberations, 5 budgetary and financial documents.
BUDGETARY = ("budget", "accounts")


class TransmissionDeferred(Exception):
    """S²LOW could not be reached, or has not acknowledged yet: the job tries again."""


@dataclass
class Outcome:
    transmission: Transmission
    again: bool  # the job must run again (after the backoff)


def _number(publication: Publication) -> str:
    """The act's @ctes number: unique per collectivity, `^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$`
    (S²LOW's NUMBER_REGEXP), e.g. 261201_42_03 for deliberation 3 of sitting 42."""
    sitting = publication.sitting
    day = (sitting.opened_at or sitting.starts_at).astimezone(PARIS)
    deliberation = publication.deliberation
    return f"{day:%y%m%d}_{sitting.pk}_{deliberation.number:02d}"


def _queue_one(publication: Publication) -> Transmission | None:
    deliberation = publication.deliberation
    kind = deliberation.item.kind
    transmission, created = Transmission.objects.get_or_create(
        publication=publication,
        defaults={
            "sitting": publication.sitting,
            "number": _number(publication),
            "nature_code": "5" if kind in BUDGETARY else "1",
            "matter_code": deliberation.matter_code,
            "decision_date": deliberation.decided_at.astimezone(PARIS).date(),
            "subject": deliberation.subject[:499],
        },
    )
    return transmission if created else None


def transmissions_record(*, sitting: Sitting, user: User) -> list[Transmission]:
    """One Transmission per act the law sends to the prefect (the regime says which) not
    yet recorded; no job. Nothing, when the assembly has no enabled S²LOW link."""
    if not PrefectureLink.objects.filter(assembly_id=sitting.assembly_id, enabled=True).exists():
        return []
    regime = regime_for(sitting.assembly)
    queued = []
    for publication in sitting.publications.select_related("deliberation__item", "sitting"):
        if regime.transmitted_to_prefecture(publication.kind):
            transmission = _queue_one(publication)
            if transmission is not None:
                queued.append(transmission)
    if queued:
        log(sitting, "acts_queued_for_prefecture", user, transmissions=[t.pk for t in queued])
    return queued


def transmissions_queue(*, sitting: Sitting, user: User) -> list[Transmission]:
    """When the acts go online: `transmissions_record`, and one job per act, enqueued
    after commit."""
    queued = transmissions_record(sitting=sitting, user=user)
    for t in queued:
        enqueue_on_commit(SEND_JOB, t.pk)
    return queued


def _fields(t: Transmission) -> list[tuple[str, str]]:
    c1, c2 = (t.matter_code.split(".") + [""])[:2] if t.matter_code else ("", "")
    return [
        ("nature_code", t.nature_code),
        ("classif1", c1),
        ("classif2", c2),
        ("number", t.number),
        ("decision_date", t.decision_date.isoformat()),
        ("subject", t.subject),
        ("type_acte", "99_BU" if t.nature_code == "5" else "99_DE"),
        ("document_papier", "0"),
    ]


def _files(t: Transmission) -> list[client.File]:
    """The act's PDF, and the annexes of its item (PDF) with their typology."""
    pub = t.publication
    with pub.document.open("rb") as f:
        files = [client.File("acte_pdf_file", f"{t.number}.pdf", f.read())]
    item_id = pub.deliberation.item_id
    for doc in Document.objects.filter(item_id=item_id, kind=Document.Kind.ANNEX):
        with doc.file.open("rb") as f:
            files.append(client.File("acte_attachments[]", f"annexe-{doc.pk}.pdf", f.read()))
    return files


def _annex_types(files: list[client.File]) -> list[tuple[str, str]]:
    return [("type_pj[]", "99_AU") for f in files if f.field == "acte_attachments[]"]


def _link_off(t: Transmission) -> bool:
    """The assembly's link is gone or disabled (the demo's, once its simulator is gone; a
    link the clerk switched off): a job posts nothing, and says why on the act's row."""
    if PrefectureLink.objects.filter(assembly_id=t.sitting.assembly_id, enabled=True).exists():
        return False
    reason = _("The link to S²LOW is disabled: nothing was sent.")
    logger.warning("transmission %s: %s", t.pk, reason)
    _save(t, last_error=reason[:500], next_attempt_at=None)
    return True


@transaction.atomic
def _claim(transmission_id: int) -> tuple[Transmission, bool] | None:
    """Lock the job and record the try. Returns it and whether an earlier try may have
    reached S²LOW without its answer; None if there is nothing to post, or no enabled
    link to post it through."""
    t = (
        Transmission.objects.select_for_update(of=("self",))
        .select_related("sitting")
        .filter(pk=transmission_id)
        .first()
    )
    if t is None or t.state not in (T.QUEUED, T.POSTING) or _link_off(t):
        return None
    now = timezone.now()
    busy = datetime.timedelta(seconds=2 * settings.SEANCE_S2LOW_TIMEOUT)
    if (
        t.state == T.POSTING
        and not t.last_error
        and t.last_attempt_at
        and now - t.last_attempt_at < busy
    ):
        raise TransmissionDeferred("another try is under way")
    uncertain = t.state == T.POSTING
    t.state, t.attempts, t.last_attempt_at, t.last_error = T.POSTING, t.attempts + 1, now, ""
    t.save(update_fields=["state", "attempts", "last_attempt_at", "last_error"])
    return t, uncertain


def _link(t: Transmission) -> PrefectureLink:
    return PrefectureLink.objects.get(assembly_id=t.sitting.assembly_id)


def _save(t: Transmission, **changes: object) -> Transmission:
    for key, value in changes.items():
        setattr(t, key, value)
    t.save(update_fields=list(changes))
    return t


def _deferred(t: Transmission, error: str, retry_in: float | None) -> Outcome:
    """The try failed for now: its error on the row (the latest) and in the log (each)."""
    if error:
        logger.warning("transmission %s, try %s: %s", t.pk, t.attempts, error)
    nxt = timezone.now() + datetime.timedelta(seconds=retry_in) if retry_in else None
    _save(t, last_error=error[:500], next_attempt_at=nxt)
    return Outcome(t, again=retry_in is not None)


def transmission_send(*, transmission_id: int, retry_in: float | None = None) -> Outcome:
    """Post the act to S²LOW once. A KO from S²LOW is a refusal, kept with its reason for
    the clerk; S²LOW unreachable leaves the job to try again in `retry_in` seconds."""
    claimed = _claim(transmission_id)
    if claimed is None:  # already posted (its polling is under way), finished, or no link
        return Outcome(Transmission.objects.get(pk=transmission_id), again=False)
    t, uncertain = claimed
    link = _link(t)
    try:
        found = client.act_find(link, t.number) if uncertain else None
        if found is None:
            files = _files(t)
            found = client.act_create(link, _fields(t) + _annex_types(files), files)
    except client.Unreachable as exc:
        return _deferred(t, str(exc), retry_in)
    except client.Refused as exc:
        _save(t, state=T.REFUSED, refusal=str(exc)[:2000], next_attempt_at=None)
        log(t.sitting, "act_refused_by_s2low", None, transmission=t.pk, reason=str(exc)[:300])
        return Outcome(t, again=False)
    _save(t, state=T.POSTED, s2low_id=found, s2low_status=client.POSTED, next_attempt_at=None)
    log(t.sitting, "act_sent_to_prefecture", None, transmission=t.pk, s2low=found)
    return Outcome(t, again=True)


def _acknowledgement(xml: str) -> tuple[str, datetime.date]:
    """The act's identifier and date of receipt. Parsed by defusedxml: an ARActe with a
    DTD's entities (a billion laughs) or an external entity is refused, never expanded."""
    root = fromstring(xml.encode("iso-8859-1", "replace"), forbid_dtd=True)
    node = root if root.tag == f"{ACTES}ARActe" else root.find(f".//{ACTES}ARActe")
    if node is None:
        raise ValueError("no ARActe")
    act_id = node.get(f"{ACTES}IDActe") or ""
    received = datetime.date.fromisoformat(node.get(f"{ACTES}DateReception") or "")
    return act_id, received


def _control_entity(link: PrefectureLink, act_id: str) -> str:
    """SCDL PREF_ID: the entity configured for the assembly, else the prefecture of the
    department that opens the @ctes identifier (PREF + 3 characters)."""
    return link.control_entity or ("PREF" + act_id.split("-")[0] if act_id else "")


def transmission_poll(*, transmission_id: int, retry_in: float | None = None) -> Outcome:
    """Ask S²LOW where the act is; at status 4 the ARActe gives the prefecture's
    identifier of the act and its date of receipt."""
    t = Transmission.objects.select_related("sitting").get(pk=transmission_id)
    if t.state != T.POSTED or _link_off(t):
        return Outcome(t, again=False)
    link = _link(t)
    try:
        status = client.act_status(link, t.s2low_id)
    except client.Unreachable as exc:
        return _deferred(t, str(exc), retry_in)
    except client.Refused as exc:
        return _deferred(t, str(exc), retry_in)
    t.polls += 1
    if status.code == client.ACKNOWLEDGED:
        return _acknowledged(t, link, status)
    if status.code in client.REFUSED_STATUSES:
        reason = status.message or client.REFUSED_STATUSES[status.code]
        _save(t, state=T.REFUSED, s2low_status=status.code, refusal=reason, polls=t.polls)
        log(t.sitting, "act_refused_by_s2low", None, transmission=t.pk, reason=reason[:300])
        return Outcome(t, again=False)
    _save(t, s2low_status=status.code, polls=t.polls, last_error="")
    return _deferred(t, "", retry_in)


def _acknowledged(t: Transmission, link: PrefectureLink, status: client.Status) -> Outcome:
    try:
        act_id, received = _acknowledgement(status.aracte)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        error = _("Unreadable ARActe: %(error)s") % {"error": exc}
        logger.warning("transmission %s: %s", t.pk, error)
        _save(t, polls=t.polls, last_error=error[:500])
        return Outcome(t, again=True)
    _save(
        t,
        state=T.ACKNOWLEDGED,
        s2low_status=status.code,
        polls=t.polls,
        act_id=act_id,
        acknowledged_on=received,
        control_entity=_control_entity(link, act_id),
        aracte=status.aracte,
        last_error="",
        next_attempt_at=None,
    )
    log(t.sitting, "act_acknowledged_by_prefecture", None, transmission=t.pk, act_id=act_id)
    return Outcome(t, again=False)


@transaction.atomic
def transmission_retry(*, transmission: Transmission, user: User) -> Transmission:
    """The clerk sends again an act that S²LOW refused when it was posted (once the cause,
    a certificate or the link's settings, is fixed): the same number, a new try."""
    t = Transmission.objects.select_for_update().get(pk=transmission.pk)
    if t.state != T.REFUSED or t.s2low_id:
        raise TransitionRefused(
            _("Only an act refused by S²LOW when it was sent can be sent again."),
            code=SittingErrorCode.NOT_REFUSED,
        )
    if not PrefectureLink.objects.filter(assembly_id=t.sitting.assembly_id).exists():
        raise Conflict(
            _("This assembly has no link to S²LOW."), code=SittingErrorCode.NO_S2LOW_LINK
        )
    _save(t, state=T.QUEUED, refusal="", last_error="")
    log(t.sitting, "act_sent_again_to_prefecture", user, transmission=t.pk)
    enqueue_on_commit(SEND_JOB, t.pk)
    return t


def transmissions_resume() -> tuple[list[int], list[int]]:
    """Every act not yet acknowledged nor refused, whose job may have been lost (a broker
    emptied, tries exhausted after days without S²LOW): the ids to post, the ids to poll.
    `manage.py prefecture_sweep` starts their jobs again; a job that finds its act already
    further along does nothing."""
    pending = Transmission.objects.exclude(state__in=[T.ACKNOWLEDGED, T.REFUSED])
    to_post = list(pending.filter(state__in=[T.QUEUED, T.POSTING]).values_list("pk", flat=True))
    to_poll = list(pending.filter(state=T.POSTED).values_list("pk", flat=True))
    return to_post, to_poll
