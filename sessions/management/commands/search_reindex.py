"""Make the public archive's search index again from the records: agenda items of the
convened sittings, published deliberations, finished transcripts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sessions.search.services import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the archive's search index (items, deliberations, transcripts)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = search_rebuild()
        self.stdout.write(
            f"indexed: {counts['items']} items, {counts['deliberations']} deliberations, "
            f"{counts['spoken']} transcript segments"
        )
