"""Verify the published acts' RFC 3161 timestamps (R31) against their PDFs' bytes, with
`openssl ts -verify` and the authority's chain (SEANCE_TSA_CA_FILE); `--retry` first asks
the authority again for every act still pending.

Exits 0 with "Timestamps verified: …", or 1 naming each act whose timestamp fails."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessions.minutes.timestamps import timestamp_verify, timestamps_retry, tsa_configured
from sessions.models import Publication


class Command(BaseCommand):
    help = (
        "Verify every published act's RFC 3161 timestamp against its PDF (openssl ts "
        "-verify); --retry asks the authority again for the acts still pending."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry", action="store_true", help="ask the authority for the pending ones first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry"]:
            if not tsa_configured():
                raise CommandError("SEANCE_TSA_URL is not set: no authority to ask.")
            done = timestamps_retry()
            self.stdout.write(f"{len(done)} pending act(s) timestamped now.")
        failed = []
        stamped = Publication.objects.filter(timestamp_state="done").order_by("id")
        for publication in stamped:
            verdict = timestamp_verify(publication)
            if not verdict.ok:
                failed.append(publication)
                self.stderr.write(
                    f"Act #{publication.pk} ({publication.title}): timestamp does not verify "
                    f"against its PDF: {verdict.detail}"
                )
        pending = Publication.objects.filter(timestamp_state="pending").count()
        summary = f"{stamped.count()} timestamped acts, {pending} pending"
        if failed:
            raise CommandError(f"{len(failed)} timestamp(s) do not verify among {summary}.")
        self.stdout.write(f"Timestamps verified: {summary}.")
