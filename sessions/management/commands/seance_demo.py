"""Load the demo councils: the commune of Ingeville and the intercommunality Ingeco.

Idempotent: an existing demo is kept (use --reset to rebuild it). Everything goes through
the services, as a clerk would do it; e-mails land in var/outbox in the embedded set-up.
"""

from __future__ import annotations

import datetime
import functools
import io
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from council.models import Assembly, Member, MemberCommune, Room, StaffRole
from council.regime import PARIS
from sessions import services
from sessions.minutes import services as minutes
from sessions.models import Minutes, Sitting
from sessions.search.services import search_rebuild
from sessions.services import proposals
from sessions.services.files import files_undone_on_failure
from streaming.demo import seed_cameras
from streaming.demo_chamber import demo_replay, heard

from ...prefecture.demo import demo_transmit, matter_for
from ._demo_history import hold_past_sitting

PASSWORD = "seance-demo"
DEMO_SLUGS = ("ingeville", "ingeco")
FIRST = [
    "Camille",
    "Louis",
    "Chloé",
    "Hugo",
    "Léa",
    "Gabriel",
    "Manon",
    "Arthur",
    "Inès",
    "Jules",
    "Sarah",
    "Raphaël",
    "Emma",
    "Nathan",
    "Alice",
    "Paul",
    "Zoé",
    "Lucas",
    "Juliette",
    "Adam",
    "Louise",
    "Théo",
    "Jeanne",
    "Nolan",
    "Lina",
    "Mathis",
    "Rose",
    "Tom",
    "Anna",
    "Victor",
    "Clara",
    "Malo",
    "Agathe",
    "Sacha",
    "Margaux",
    "Noé",
    "Élise",
    "Basile",
    "Romane",
    "Martin",
]
LAST = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefort",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
]
INGECO_COMMUNES = [
    ("Ingeville", 110_000),
    ("Belleroche", 42_000),
    ("Saint-Aubin-sur-Inge", 31_500),
    ("Montfleury", 24_800),
    ("Valbrune", 18_200),
    ("Les Essarts-le-Roi", 12_400),
    ("Courtelieu", 9_300),
    ("Vernay", 6_100),
    ("Sainte-Colombe", 4_200),
    ("Hautrive", 3_100),
    ("Le Breuil", 2_400),
    ("Saulcy", 1_300),
    ("Mesnil-Inge", 700),
]
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


def user(username: str, first: str = "", last: str = "") -> User:
    account, _ = User.objects.get_or_create(username=username)
    account.first_name, account.last_name = first, last
    account.password = demo_password_hash()
    account.save()
    return account


@functools.cache
def demo_password_hash() -> str:
    """One hash for every demo account: 140 PBKDF2 runs would take a minute."""
    return make_password(PASSWORD)


class Command(BaseCommand):
    help = "Load the demo councils of Ingeville (commune) and Ingeco (EPCI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the database, then load the demo (refused if it holds other councils)",
        )
        parser.add_argument(
            "--no-replay",
            dest="replay",
            action="store_false",
            help="without the morning sitting's replay and its transcription",
        )

    def handle(self, *args: Any, reset: bool = False, replay: bool = True, **options: Any) -> None:
        if reset:
            # Sittings, attendance and ballots are evidence: the models protect them from
            # deletion, so a reset empties the whole database, and only a demo database.
            others = Assembly.objects.exclude(slug__in=DEMO_SLUGS)
            if others.exists():
                raise CommandError(
                    f"--reset empties the database, which also holds {others.count()} "
                    "other assemblies; run `manage.py flush` yourself if that is intended."
                )
            call_command("flush", interactive=False, verbosity=0)
        if not Assembly.objects.filter(slug="ingeville").exists():
            # One transaction: a failure leaves no demo, nor the proxies' PDFs it wrote.
            with files_undone_on_failure(), transaction.atomic():
                self.ingeville()
                self.ingeco()
                demo_transmit(self.stdout)  # the published acts, to the S²LOW simulator
        if replay:
            self.past_replay()
        search_rebuild()  # the archive's search: the demo's agenda, acts and speech
        self.print_logins()

    def past_replay(self) -> None:
        """The morning sitting's replay and its transcript (R34), made once: from the
        demo's speech (streaming.demo_chamber), after the demo's transaction."""
        sitting = (
            Sitting.objects.filter(assembly__slug="ingeville", state=Sitting.State.CLOSED)
            .order_by("id")
            .first()
        )
        if sitting is None or not heard(sitting):
            self.stdout.write("No replay: this demo predates it (seance_demo --reset).")
            return
        began = time.monotonic()
        replay, transcript = demo_replay(sitting)
        if replay is None or replay.state != replay.State.READY:
            raise CommandError(f"The demo's replay failed: {replay.error if replay else ''}")
        if transcript is None or transcript.state != transcript.State.READY:
            why = transcript.error if transcript else "no speech-to-text model installed"
            self.stdout.write(f"Replay of the morning sitting, without its transcript: {why}")
            return
        spent = time.monotonic() - began
        if spent > 1:
            self.stdout.write(
                f"Replay of the morning sitting and its transcript made in {spent:.0f} s "
                f"({transcript.segments.count()} segments, {transcript.model})."
            )

    def members(
        self,
        assembly: Assembly,
        count: int,
        prefix: str,
        chair: str,
        communes: list[MemberCommune] | None = None,
    ) -> list[Member]:
        people = []
        for i in range(count):
            first, last = FIRST[(i * 7) % len(FIRST)], LAST[(i * 11 + count) % len(LAST)]
            username = chair if i == 0 else f"{prefix}{i:02d}"
            role = (
                Member.Role.CHAIR
                if i == 0
                else Member.Role.DEPUTY
                if i <= 10
                else Member.Role.COUNCILLOR
            )
            people.append(
                Member.objects.create(
                    assembly=assembly,
                    user=user(username, first, last),
                    first_name=first,
                    last_name=last,
                    role=role,
                    birthdate=datetime.date(1948 + (i * 13) % 50, 1 + i % 12, 1 + (i * 5) % 28),
                    email=f"{username}@{assembly.slug}.example.fr",
                    mandate_start=datetime.date(2026, 3, 22),
                    commune=communes[i % len(communes)] if communes else None,
                    wants_paper=i % 17 == 5,
                )
            )
        return people

    def staff(self, assembly: Assembly, username: str, role: str) -> User:
        account = user(username, "", StaffRole.account_name(role))
        StaffRole.objects.get_or_create(user=account, assembly=assembly, role=role)
        return account

    def convene(
        self,
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
            if not item.is_deliberative:
                continue
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
        if minutes_to_adopt is not None:
            minutes.minutes_put_on_agenda(minutes=minutes_to_adopt, sitting=sitting, user=clerk)
        services.convocation_send(sitting=sitting, user=clerk)
        return sitting

    def ingeville(self) -> None:
        a = Assembly.objects.create(
            name="Ville d'Ingeville",
            slug="ingeville",
            kind=Assembly.Kind.COMMUNE,
            population=110_000,
            address="Hôtel de ville, 1 place de la République",
            siret="21590999900017",
            contact_email="mairie@ingeville.example.fr",
        )
        chamber = Room.objects.create(
            assembly=a,
            name="Salle du conseil municipal",
            kind=Room.Kind.CHAMBER,
            address="Hôtel de ville, 1 place de la République, Ingeville",
        )
        seed_cameras(chamber, self.members(a, 59, "conseiller", "maire"))
        clerk = self.staff(a, "greffe", StaffRole.Role.CLERK)
        self.staff(a, "secretariat", StaffRole.Role.SECRETARY)
        self.staff(a, "regie", StaffRole.Role.TECHNICIAN)
        self.in_preparation(a, clerk)
        earlier = hold_past_sitting(a, clerk)
        self.convene(a, clerk, "Conseil municipal", INGEVILLE_ITEMS, minutes_to_adopt=earlier)

    def in_preparation(self, assembly: Assembly, clerk: User) -> Sitting:
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

    def ingeco(self) -> None:
        a = Assembly.objects.create(
            name="Communauté d'agglomération Ingeco",
            slug="ingeco",
            kind=Assembly.Kind.EPCI,
            population=270_000,
            address="Maison de l'agglomération, Ingeville",
            siret="20005999900015",
            contact_email="contact@ingeco.example.fr",
        )
        communes = [
            MemberCommune.objects.create(assembly=a, name=n, population=p)
            for n, p in INGECO_COMMUNES
        ]
        Room.objects.create(
            assembly=a,
            name="Salle communautaire",
            kind=Room.Kind.CHAMBER,
            address="Maison de l'agglomération, 5 quai de l'Inge, Ingeville",
        )
        remote = [
            Room.objects.create(
                assembly=a,
                name=f"Mairie de {n}",
                kind=Room.Kind.REMOTE,
                address=f"Salle du conseil, mairie de {n}",
            )
            for n in ("Belleroche", "Valbrune", "Hautrive")
        ]
        self.members(a, 80, "delegue", "president", communes)
        clerk = self.staff(a, "greffe-ingeco", StaffRole.Role.CLERK)
        self.staff(a, "agent-belleroche", StaffRole.Role.SECRETARY)
        self.convene(a, clerk, "Conseil communautaire", INGECO_ITEMS, remote=remote)

    def print_logins(self) -> None:
        ville = Sitting.objects.filter(assembly__slug="ingeville").order_by("-id").first()
        held = Minutes.objects.filter(sitting__assembly__slug="ingeville").first()
        agglo = Sitting.objects.filter(assembly__slug="ingeco").order_by("-id").first()
        assert ville is not None and agglo is not None and held is not None
        rows = [
            ("greffe", "clerk of Ingeville", "/clerk/"),
            (
                "greffe",
                "the chamber's screens (links)",
                f"/clerk/assemblies/{ville.assembly_id}/screens/",
            ),
            ("maire", "mayor, chairs the sitting", f"/chair/sittings/{ville.id}/"),
            ("conseiller12", "councillor of Ingeville", f"/seat/sittings/{ville.id}/"),
            ("conseiller12", "his sittings; propose an item for January", "/my/sittings/"),
            ("secretariat", "secretary agent (roll call)", f"/roll/sittings/{ville.id}/"),
            (
                "secretariat",
                "minutes of this morning's sitting",
                f"/clerk/sittings/{held.sitting_id}/minutes/",
            ),
            ("regie", "technician: broadcast control room", f"/broadcast/sittings/{ville.id}/"),
            ("greffe-ingeco", "clerk of Ingeco", "/clerk/"),
            ("president", "president of Ingeco", f"/chair/sittings/{agglo.id}/"),
            ("delegue07", "delegate of Ingeco", f"/seat/sittings/{agglo.id}/"),
            (
                "agent-belleroche",
                "agent in the Belleroche remote room",
                f"/roll/sittings/{agglo.id}/",
            ),
            ("(no login)", "citizen: public page of Ingeville", f"/sittings/{ville.id}/"),
            ("(no login)", "citizen: public page of Ingeco", f"/sittings/{agglo.id}/"),
            ("(no login)", "citizen: archive and open data", "/archive/ingeville/"),
            (
                "(no login)",
                "citizen: replay with captions",
                f"/archive/sittings/{held.sitting_id}/replay/",
            ),
        ]
        url = settings.SEANCE_PUBLIC_URL.rstrip("/")  # http://127.0.0.1:$PORT unless set
        self.stdout.write(f"\nSéance demo — {url} — password for every login: {PASSWORD}\n")
        for login, who, path in rows:
            self.stdout.write(f"  {login:<18} {who:<36} {url}{path}")
        self.stdout.write("")
