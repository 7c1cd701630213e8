"""Load the demo councils: the commune of Ingeville and the intercommunality Ingeco.

Idempotent: an existing demo is kept (use --reset to rebuild it). Everything goes through
the services, as a clerk would do it; e-mails land in var/outbox in the embedded set-up.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from council.models import Assembly, MemberCommune, Room, StaffRole
from sessions.models import Sitting
from sessions.search.services import search_rebuild
from sessions.services.files import files_undone_on_failure
from streaming.demo import seed_cameras
from streaming.demo_chamber import demo_replay, heard

from ...prefecture.demo import demo_transmit
from ._demo_agenda import INGECO_ITEMS, INGEVILLE_ITEMS, convene, in_preparation
from ._demo_history import hold_past_sitting
from ._demo_logins import print_logins
from ._demo_people import demo_members, demo_staff

DEMO_SLUGS = ("ingeville", "ingeco")
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
        print_logins(self.stdout)

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
        seed_cameras(chamber, demo_members(a, 59, "conseiller", "maire"))
        clerk = demo_staff(a, "greffe", StaffRole.Role.CLERK)
        demo_staff(a, "secretariat", StaffRole.Role.SECRETARY)
        demo_staff(a, "regie", StaffRole.Role.TECHNICIAN)
        in_preparation(a, clerk)
        earlier = hold_past_sitting(a, clerk)
        convene(a, clerk, "Conseil municipal", INGEVILLE_ITEMS, minutes_to_adopt=earlier)

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
        demo_members(a, 80, "delegue", "president", communes)
        clerk = demo_staff(a, "greffe-ingeco", StaffRole.Role.CLERK)
        demo_staff(a, "agent-belleroche", StaffRole.Role.SECRETARY)
        convene(a, clerk, "Conseil communautaire", INGECO_ITEMS, remote=remote)
