"""A finished transcript's segments into the public archive's search index (sessions owns
the index; this app gives it what was said, in replay time, with who had the floor). The
cut replay's speech only: closed sessions and protected speech were never transcribed."""

from __future__ import annotations

from sessions.search.services import Spoken, register_source, search_index_spoken

from ..models import Transcript


def transcript_index(*, transcript: Transcript) -> int:
    """Index the transcript's segments (replacing the sitting's earlier speech)."""
    spoken = [
        Spoken(
            seconds=seg.start, until=seg.end, text=seg.text, member_id=seg.member_id,
            speaker=seg.speaker, role=seg.role, item_id=seg.item_id,
        )
        for seg in transcript.segments.order_by("start", "id")
    ]  # fmt: skip
    return search_index_spoken(sitting=transcript.replay.sitting, spoken=spoken)


def transcripts_reindex() -> int:
    """Every finished transcript indexed again (the `search_reindex` command)."""
    ready = Transcript.objects.filter(state=Transcript.State.READY).select_related(
        "replay__sitting"
    )
    return sum(transcript_index(transcript=t) for t in ready)


register_source(transcripts_reindex)
