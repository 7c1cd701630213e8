"""The public archive's search: what was said in the replays, the agenda items and the
published deliberations of every assembly, each hit leading to its moment. No login, no
cookie; a malformed query is a 400 with a French message, on the search page itself."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from council.errors import InvalidInput
from council.models import Assembly
from sessions.errors import SittingErrorCode

from ..search.selectors import MAX_LENGTH, search_page, search_words
from .public import public_headers


def _page_number(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidInput(_("This page of results does not exist."), code=SittingErrorCode.PAGE)
    return int(raw)


@require_GET
def archive_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q")
    assemblies = list(Assembly.objects.order_by("name"))
    slug = request.GET.get("assembly") or ""
    assembly = next((a for a in assemblies if a.slug == slug), None)
    context: dict[str, Any] = {
        "query": query or "",
        "assemblies": assemblies,
        "assembly": assembly,
        "max_length": MAX_LENGTH,
    }
    status = 200
    if query is not None:
        try:
            words = search_words(query)
            if slug and assembly is None:
                raise InvalidInput(_("No such assembly."), code=SittingErrorCode.ASSEMBLY)
            number = _page_number(request.GET.get("page"))
            context["page"] = search_page(
                words, page=number, assembly_id=assembly.pk if assembly else None
            )
        except InvalidInput as err:
            context["error"] = err
            status = 400
    return public_headers(render(request, "sessions/archive/search.html", context, status=status))
