"""Check every published act, convocation, paper and replay against its recorded SHA-256."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sessions.integrity import stored_files_verify


class Command(BaseCommand):
    help = (
        "Verify that every published act (and convocation, paper, replay) still has the "
        "SHA-256 recorded when it was stored."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = stored_files_verify()
        counts = report.checked
        summary = (
            f"{counts['act']} published acts, {counts['convocation']} convocations, "
            f"{counts['paper']} papers, {counts['replay']} replays"
        )
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(report.problems)} stored file(s) altered or missing among {summary}."
            )
        self.stdout.write(f"Stored files intact: {summary} match their SHA-256.")
