"""Reading the search index: the public's query checked (`search_words`), the hits of one
page with where each one leads (`search_page`), a councillor's interventions
(`member_interventions`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from council.models import Member
from council.words import clock
from sessions.errors import SittingErrorCode

from ..errors import InvalidInput
from ..models import AttendanceEvent, ProxyCover, SearchEntry, Sitting
from ..selectors import members_in_office
from . import backends

MAX_LENGTH = 200  # characters of a query
MAX_WORDS = 12
PAGE_SIZE = 20
_WORD = re.compile(r"\w+")


def search_words(query: str) -> list[str]:
    """The words of a public query, or InvalidInput (a 400 in French): too long, too many
    words, control characters, or nothing to search. Only letters and digits are kept:
    the engines' query syntax never sees the user's punctuation."""
    if len(query) > MAX_LENGTH:
        raise InvalidInput(
            _("The search is too long (%(n)d characters at most).") % {"n": MAX_LENGTH},
            code=SittingErrorCode.QUERY_TOO_LONG,
        )
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co") and not c.isspace() for c in query):
        raise InvalidInput(
            _("The search holds characters that are not allowed."), code=SittingErrorCode.QUERY
        )
    words = [w for w in _WORD.findall(query) if w.strip("_")]
    if len(words) > 1:
        words = [w for w in words if len(w) > 1] or words  # the "l" of "l'école"
    if not words:
        raise InvalidInput(
            _("Type at least one word to search for."), code=SittingErrorCode.QUERY_EMPTY
        )
    if len(words) > MAX_WORDS:
        raise InvalidInput(
            _("The search has too many words (%(n)d at most).") % {"n": MAX_WORDS},
            code=SittingErrorCode.QUERY_TOO_MANY_WORDS,
        )
    return words


@dataclass
class Result:
    entry: SearchEntry
    fragments: list[tuple[str, bool]]
    url: str
    councillor_url: str = ""

    @property
    def clock(self) -> str:
        return clock(self.entry.seconds)


@dataclass
class ResultPage:
    total: int
    number: int
    pages: int
    results: list[Result] = field(default_factory=list)

    @property
    def first_rank(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def entry_url(entry: SearchEntry) -> str:
    """Where a hit leads: speech to its moment in the replay (#t=seconds), an item to its
    place on the sitting's archive page, a deliberation to its published act."""
    if entry.kind == SearchEntry.Kind.SPOKEN:
        return f"{reverse('replay', args=[entry.sitting_id])}#t={int(entry.seconds or 0)}"
    if entry.kind == SearchEntry.Kind.DELIBERATION and entry.deliberation:
        publication = entry.deliberation.publication_id
        if publication:
            return reverse("publication-pdf", args=[publication])
    anchor = f"#item-{entry.item_id}" if entry.item_id else ""
    return reverse("archive-sitting", args=[entry.sitting_id]) + anchor


def councillor_url(entry: SearchEntry) -> str:
    """The page of the councillor who had the floor (voting's `councillor`)."""
    if entry.member_id is None:
        return ""
    return reverse("councillor", args=[entry.assembly.slug, entry.member_id])


def _entries(ids: list[int]) -> dict[int, SearchEntry]:
    found = SearchEntry.objects.filter(pk__in=ids).select_related(
        "sitting", "assembly", "item", "deliberation", "member"
    )
    return {e.pk: e for e in found}


def search_page(words: list[str], *, page: int, assembly_id: int | None = None) -> ResultPage:
    """One page of hits of non-draft sittings, newest first. InvalidInput for a page past
    the last one."""
    if page < 1:
        raise InvalidInput(_("This page of results does not exist."), code=SittingErrorCode.PAGE)
    total, hits = backends.search(
        words, assembly_id=assembly_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        raise InvalidInput(_("This page of results does not exist."), code=SittingErrorCode.PAGE)
    entries = _entries([h.entry_id for h in hits])
    results = []
    for hit in hits:
        entry = entries.get(hit.entry_id)
        if entry is None:
            continue
        results.append(
            Result(entry, backends.fragments(hit.snippet), entry_url(entry), councillor_url(entry))
        )
    return ResultPage(total=total, number=page, pages=pages, results=results)


def member_interventions(member: Member) -> QuerySet[SearchEntry]:
    """What the member said in the cut replays of the public sittings, in order of
    sittings (newest first), then of time in each."""
    return (
        SearchEntry.objects.filter(member=member, kind=SearchEntry.Kind.SPOKEN)
        .exclude(sitting__state=Sitting.State.DRAFT)
        .select_related("sitting", "item")
        .order_by("-sitting__starts_at", "sitting_id", "seconds", "id")
    )


def grouped(entries: QuerySet[SearchEntry]) -> list[dict[str, Any]]:
    """Interventions grouped by sitting, then by item (consecutive segments together)."""
    sittings: list[dict[str, Any]] = []
    for entry in entries:
        if not sittings or sittings[-1]["sitting"].pk != entry.sitting_id:
            sittings.append({"sitting": entry.sitting, "items": []})
        items = sittings[-1]["items"]
        if not items or items[-1]["item_id"] != entry.item_id:
            items.append({"item_id": entry.item_id, "item": entry.item, "entries": []})
        entry.url = entry_url(entry)  # type: ignore[attr-defined]
        entry.clock = clock(entry.seconds)  # type: ignore[attr-defined]
        items[-1]["entries"].append(entry)
    return sittings


def sitting_members(sitting: Sitting) -> list[dict[str, Any]]:
    """The members in office for the sitting, for its archive page, each with a link to
    their page and, once the sitting was held, "present" (arrived at some point),
    "represented" (by whom, R14) or "absent"."""
    held = sitting.opened_at is not None
    arrived = set(
        AttendanceEvent.objects.filter(
            sitting=sitting, kind=AttendanceEvent.Kind.ARRIVAL
        ).values_list("member_id", flat=True)
    )
    holders = {
        c.grantor_id: c.holder.full_name
        for c in ProxyCover.objects.filter(sitting=sitting, active=True).select_related("holder")
    }
    rows = []
    for member in members_in_office(sitting):
        status = ""
        if held:
            status = "present" if member.pk in arrived else "absent"
            if status == "absent" and member.pk in holders:
                status = "represented"
        rows.append(
            {
                "member": member,
                "status": status,
                "holder": holders.get(member.pk, ""),
                "url": reverse("councillor", args=[sitting.assembly.slug, member.pk]),
            }
        )
    return rows
