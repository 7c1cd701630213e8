"""The public archive: sittings by year, their agendas, results, deliberations and
minutes, each published act with its SHA-256, and the SCDL open-data file (R29-R31).
No login, no cookie, nothing from another host."""

from __future__ import annotations

import csv

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from council.models import Assembly
from voting.chain import closed_anchors, sitting_anchor
from voting.models import Vote

from ..access import Role, access_sitting
from ..minutes.selectors import (
    SCDL_FIELDS,
    archive_years,
    published_deliberations,
    scdl_record,
)
from ..models import Convocation, Publication
from ..search.selectors import sitting_members
from ..selectors import sitting_dates
from .errors import domain_errors
from .public import act_response, public_headers


@require_GET
def archive_index(request: HttpRequest) -> HttpResponse:
    context = {"assemblies": Assembly.objects.all()}
    return public_headers(render(request, "sessions/archive/index.html", context))


@require_GET
def archive_assembly(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = get_object_or_404(Assembly, slug=slug)
    context = {"assembly": assembly, "years": archive_years(assembly)}
    return public_headers(render(request, "sessions/archive/assembly.html", context))


@require_GET
@domain_errors
def archive_sitting(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    votes: dict[int, list[Vote]] = {}
    anchors = closed_anchors(sitting.pk)  # R31: the vote log's hashes, published
    for vote in Vote.objects.filter(sitting=sitting, state=Vote.State.CLOSED):
        vote.anchor = anchors.get(vote.pk, "")  # type: ignore[attr-defined]
        if vote.item_id is not None:  # the vote on the closed session (R25) has no item
            votes.setdefault(vote.item_id, []).append(vote)
    items = list(sitting.items.select_related("rapporteur"))
    for item in items:
        item.closed_votes = votes.get(item.pk, [])  # type: ignore[attr-defined]
    context = {
        "sitting": sitting,
        "dates": sitting_dates(sitting),  # R2: held on, and convened for if another day
        "members": sitting_members(sitting),  # each one linked to their page
        "vote_log_head": sitting_anchor(sitting.pk),
        "items": items,
        "deliberations": sitting.deliberations.filter(publication__isnull=False).select_related(
            "publication__transmission"
        ),
        "publications": {p.kind: p for p in sitting.publications.exclude(kind="deliberation")},
        "convocation": Convocation.objects.filter(sitting=sitting).first(),
    }
    return public_headers(render(request, "sessions/archive/sitting.html", context))


@require_GET
def publication_pdf(request: HttpRequest, publication_id: int) -> FileResponse:
    publication = get_object_or_404(Publication, pk=publication_id)
    response = FileResponse(
        publication.document.open("rb"),
        content_type="application/pdf",
        filename=f"{publication.kind}-{publication.sitting_id}-{publication.pk}.pdf",
    )
    response["ETag"] = f'"{publication.sha256}"'
    response["X-Content-SHA256"] = publication.sha256
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def publication_page(request: HttpRequest, publication_id: int) -> HttpResponse:
    """R31, R34: a published act's accessible version, made from the words its PDF was made
    from, with the PDF's SHA-256 and a link to it. An act published before these pages
    were kept (no stored words) has none: 404, as has an id that names no published act."""
    acts = Publication.objects.select_related("sitting__assembly")
    publication = get_object_or_404(acts, pk=publication_id)
    pdf_url = reverse("publication-pdf", args=[publication.pk])
    return act_response(request, publication, publication.sitting, pdf_url, publication.sha256)


@require_GET
def publication_timestamp(request: HttpRequest, publication_id: int) -> HttpResponse:
    """R31: the act's RFC 3161 timestamp (the authority's TimeStampResp, DER), to check with
    `openssl ts -verify -data <the PDF> -in <this file> -CAfile <the authority's chain>`."""
    publication = get_object_or_404(Publication, pk=publication_id, timestamp_state="done")
    response = HttpResponse(
        bytes(publication.timestamp or b""), content_type="application/timestamp-reply"
    )
    name = f"{publication.kind}-{publication.sitting_id}-{publication.pk}.tsr"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return public_headers(response)


def publication_url(request: HttpRequest, publication: Publication) -> str:
    return request.build_absolute_uri(reverse("publication-pdf", args=[publication.pk]))


@require_GET
def deliberations_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """SCDL "Délibérations" 2.1: UTF-8, comma-separated, header row of the schema's names."""
    assembly = get_object_or_404(Assembly, slug=slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deliberations-{slug}.csv"'
    writer = csv.DictWriter(response, fieldnames=SCDL_FIELDS, lineterminator="\n")
    writer.writeheader()
    for d in published_deliberations(assembly):
        writer.writerow(scdl_record(d, publication_url(request, d.publication)))  # type: ignore[arg-type]
    return public_headers(response)
