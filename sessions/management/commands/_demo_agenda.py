"""The demo's sittings to come: a sitting convened in ten days with its agenda, each
deliberative item's report and note, and January's sitting still in preparation, on whose
agenda councillors propose items (R29: minutes may still go on it)."""

from __future__ import annotations

import datetime
import io

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from council.models import Assembly, Room
from council.regime import PARIS
from sessions import services
from sessions.minutes import services as minutes
from sessions.models import AgendaItem, Minutes, Sitting
from sessions.services import proposals

from ...prefecture.demo import matter_for

INGEVILLE_ITEMS = [
    ("Décision modificative n° 2 du budget 2026", "deliberation"),
    ("Subventions aux associations sportives et culturelles", "deliberation"),
    ("Modification simplifiée n° 3 du plan local d'urbanisme", "deliberation"),
    ("Attribution du marché de restauration scolaire 2027-2030", "deliberation"),
    ("Tarifs municipaux 2027 (piscine, médiathèque, cantine)", "deliberation"),
    (
        "Désignation d'un représentant au conseil d'administration du collège Jean-Moulin",
        "nomination",
    ),
    ("Question orale\u00a0: éclairage public rue des Tanneurs", "question"),
]
INGECO_ITEMS = [
    ("Rapport d'activité 2025 de la communauté", "information"),
    ("Programme local de l'habitat 2027-2032\u00a0: arrêt du projet", "deliberation"),
    ("Tarifs de l'eau et de l'assainissement 2027", "deliberation"),
    ("Fonds de concours aux communes membres\u00a0: voirie", "deliberation"),
    ("Convention avec la région pour les transports scolaires", "deliberation"),
    ("Création d'un poste de chargé de mission transition énergétique", "deliberation"),
]


def pdf(title: str, body: str) -> SimpleUploadedFile:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title).build(
        [Paragraph(title, styles["Title"]), Spacer(1, 12), Paragraph(body, styles["Normal"])]
    )
    return SimpleUploadedFile("document.pdf", buffer.getvalue(), content_type="application/pdf")


def convene(
    assembly: Assembly,
    clerk: User,
    title: str,
    items: list[tuple[str, str]],
    remote: list[Room] | None = None,
    minutes_to_adopt: Minutes | None = None,
) -> Sitting:
    day = timezone.now().astimezone(PARIS).date() + datetime.timedelta(days=10)
    starts = datetime.datetime(day.year, day.month, day.day, 18, 30, tzinfo=PARIS)
    sitting = services.sitting_create(
        assembly=assembly, title=title, starts_at=starts, user=clerk, remote_rooms=remote or []
    )
    members = list(assembly.members.order_by("id"))
    for n, (subject, kind) in enumerate(items):
        item = services.item_add(
            sitting=sitting,
            user=clerk,
            title=subject,
            kind=kind,
            rapporteur=members[1 + n % 8],
            matter=matter_for(subject),
        )
        if item.is_deliberative:
            _documents(item, clerk, subject)
    if minutes_to_adopt is not None:
        minutes.minutes_put_on_agenda(minutes=minutes_to_adopt, sitting=sitting, user=clerk)
    services.convocation_send(sitting=sitting, user=clerk)
    return sitting


def _documents(item: AgendaItem, clerk: User, subject: str) -> None:
    """A deliberative item's report and explanatory note (as PDFs)."""
    text = (
        f"Le rapporteur présente au conseil le projet de délibération\u00a0: {subject}. "
        "Vu le code général des collectivités territoriales\u00a0; vu l'avis de la "
        "commission compétente\u00a0; il est proposé au conseil d'adopter la délibération "
        "ci-jointe."
    )
    services.document_attach(
        item=item,
        user=clerk,
        kind="report",
        title=f"Rapport — {subject}",
        upload=pdf(subject, text),
    )
    services.document_attach(
        item=item,
        user=clerk,
        kind="synthesis",
        title="Note explicative de synthèse",
        upload=pdf("Note explicative de synthèse", text),
    )


def in_preparation(assembly: Assembly, clerk: User) -> Sitting:
    """January's sitting, not convened yet: councillors propose items for its agenda
    (seed 002), and the minutes of a later sitting can still go on it (R29)."""
    day = timezone.now().astimezone(PARIS).date() + datetime.timedelta(days=45)
    starts = datetime.datetime(day.year, day.month, day.day, 18, 30, tzinfo=PARIS)
    sitting = services.sitting_create(
        assembly=assembly, title="Conseil municipal (janvier)", starts_at=starts, user=clerk
    )
    services.item_add(sitting=sitting, user=clerk, title="Débat d'orientation budgétaire 2027")
    proposer = assembly.members.get(user__username="conseiller07")
    proposals.proposal_submit(
        sitting=sitting,
        member=proposer,
        title="Éclairage du stade municipal",
        note="Les clubs sportifs demandent un éclairage pour les entraînements d'hiver.",
    )
    return sitting
