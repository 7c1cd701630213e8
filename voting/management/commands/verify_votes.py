"""Recompute the vote log's SHA-256 chain and name the first altered record."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from voting.chain import chain_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident vote log."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if not report.ok and report.first_bad is not None:
            bad = report.first_bad
            raise CommandError(
                f"Vote log altered at record #{bad.pk} (vote {bad.vote_id}, {bad.kind}): "
                f"{report.reason}."
            )
        self.stdout.write(f"Vote log intact: {report.checked} records verified.")
