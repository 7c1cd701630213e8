"""Filling the search index. Only what the public archive shows goes in (R25, R33): the
agenda of a convened sitting, deliberations once published, and the speech of the cut
replay, given by the transcription (the streaming app calls `search_index_spoken`; this
app never imports it). A draft sitting is never indexed.

`search_rebuild` (the `search_reindex` command) starts over from the records; the apps
that hold other indexed things register a source of them with `register_source`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import InvalidInput
from ..models import AgendaItem, SearchEntry, Sitting
from .backends import clean

Kind = SearchEntry.Kind
_sources: list[Callable[[], int]] = []


@dataclass(frozen=True)
class Spoken:
    """What was said, as the transcription attributes it: from `seconds` to `until` in
    the replay, by the member who had the floor (None: the chair between speakers, or
    nobody), on an item of the sitting."""

    seconds: float
    until: float
    text: str
    member_id: int | None
    speaker: str
    role: str
    item_id: int | None


def register_source(rebuild: Callable[[], int]) -> None:
    """A function that indexes again everything of its kind (it returns how many entries
    it made), called by `search_rebuild` after the agenda and the deliberations."""
    if rebuild not in _sources:
        _sources.append(rebuild)


def is_public(sitting: Sitting) -> bool:
    return sitting.state != Sitting.State.DRAFT


def _item_text(item: AgendaItem) -> str:
    return clean(f"{item.title}\n{item.summary}".strip())


@transaction.atomic
def search_index_sitting(*, sitting: Sitting) -> int:
    """The sitting's agenda items and published deliberations, made again (idempotent):
    called when the convocation is sent and when the deliberations go online."""
    SearchEntry.objects.filter(sitting=sitting, kind__in=[Kind.ITEM, Kind.DELIBERATION]).delete()
    if not is_public(sitting):
        return 0
    entries = [
        SearchEntry(
            kind=Kind.ITEM, sitting=sitting, assembly_id=sitting.assembly_id, item=item,
            text=_item_text(item),
        )
        for item in sitting.items.order_by("position")
    ]  # fmt: skip
    for deliberation in sitting.deliberations.filter(publication__isnull=False):
        entries.append(
            SearchEntry(
                kind=Kind.DELIBERATION, sitting=sitting, assembly_id=sitting.assembly_id,
                item_id=deliberation.item_id, deliberation=deliberation,
                text=clean(f"{deliberation.identifier} {deliberation.subject}"),
            )
        )  # fmt: skip
    SearchEntry.objects.bulk_create(entries)
    return len(entries)


@transaction.atomic
def search_index_spoken(*, sitting: Sitting, spoken: Iterable[Spoken]) -> int:
    """Replace what the index holds of the sitting's speech by `spoken` (the segments of
    its finished transcript, in replay time). Items and members must be the sitting's."""
    search_forget_spoken(sitting=sitting)
    if not is_public(sitting):
        return 0
    items = set(sitting.items.values_list("pk", flat=True))
    members = set(sitting.assembly.members.values_list("pk", flat=True))
    entries = []
    for s in spoken:
        if (s.item_id is not None and s.item_id not in items) or (
            s.member_id is not None and s.member_id not in members
        ):
            raise InvalidInput(_("A transcript segment names another sitting's item or member."))
        if not s.text.strip():
            continue
        entries.append(
            SearchEntry(
                kind=Kind.SPOKEN, sitting=sitting, assembly_id=sitting.assembly_id,
                item_id=s.item_id, member_id=s.member_id, speaker=s.speaker[:200],
                role=s.role[:100], seconds=max(0.0, s.seconds), until=s.until,
                text=clean(s.text.strip()),
            )
        )  # fmt: skip
    SearchEntry.objects.bulk_create(entries)
    return len(entries)


def search_forget_spoken(*, sitting: Sitting) -> None:
    """The sitting's speech out of the index (its replay is being transcribed again)."""
    SearchEntry.objects.filter(sitting=sitting, kind=Kind.SPOKEN).delete()


def search_rebuild() -> dict[str, int]:
    """Everything indexed again from the records: {"items": n, "deliberations": n,
    "spoken": n}."""
    with transaction.atomic():
        SearchEntry.objects.filter(kind__in=[Kind.ITEM, Kind.DELIBERATION]).delete()
        SearchEntry.objects.filter(sitting__state=Sitting.State.DRAFT).delete()
        for sitting in Sitting.objects.exclude(state=Sitting.State.DRAFT):
            search_index_sitting(sitting=sitting)
    spoken = sum(rebuild() for rebuild in _sources)
    entries = SearchEntry.objects.all()
    return {
        "items": entries.filter(kind=Kind.ITEM).count(),
        "deliberations": entries.filter(kind=Kind.DELIBERATION).count(),
        "spoken": spoken,
    }
