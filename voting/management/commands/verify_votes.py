"""Verify the vote log (R31): its HMAC chain, its head, every vote recounted from the
stored ballots, and the anchors published in the minutes and lists of deliberations.

Exits 0 with "Vote log intact: …", or 1 with "Vote log altered …: <reason>." on stderr."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voting.chain import ChainReport, chain_verify


def _where(report: ChainReport) -> str:
    bad = report.first_bad
    if bad is not None:
        return f" at record #{bad.pk} (vote {bad.vote_id}, {bad.kind})"
    return f" (vote {report.vote_id})" if report.vote_id is not None else ""


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident vote log: every record's HMAC, the chain's head, every "
        "vote's tallies recounted from its ballots, and any --anchor published outside."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="HASH",
            help="a vote log hash printed in published minutes or a list of deliberations; "
            "it must still be in the chain (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify(anchors=options["anchor"])
        if not report.ok:
            raise CommandError(f"Vote log altered{_where(report)}: {report.reason}.")
        legacy = f", {report.legacy} of them from before the key (SHA-256 only)"
        self.stdout.write(
            f"Vote log intact: {report.checked} records verified"
            f"{legacy if report.legacy else ''}, {report.recounted} closed votes recounted "
            f"from their ballots; head {report.head}."
        )
        for anchor, record in report.anchors.items():
            assert record is not None
            self.stdout.write(
                f"Published anchor {anchor}: in the chain, record #{record.pk} "
                f"(vote {record.vote_id}, {record.kind})."
            )
