"""Pages for everyone: no login, no cookie, nothing from another host."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from council.models import Assembly

from ..access import Role, access_sitting, member_of, staff_roles
from ..acts import act_page
from ..documents import convocation_lines
from ..live.snapshots import public_snapshot
from ..models import Convocation, Publication, Sitting
from ..record import sitting_record
from ..services import convocation_acknowledge
from .errors import domain_errors
from .labels import live_config


def public_headers(response: HttpResponse) -> HttpResponse:
    """No referrer leaves a public page. (The Content-Security-Policy, the same on every
    page, is council.csp's middleware.)"""
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    assemblies = []
    for assembly in Assembly.objects.all():
        sittings = list(
            assembly.sittings.exclude(state=Sitting.State.DRAFT).order_by("-starts_at")[:10]
        )
        assemblies.append(
            {
                "assembly": assembly,
                "sittings": sittings,
                "member": member_of(request.user, assembly.id),
                "staff": staff_roles(request.user, assembly.id),
                "drafts": assembly.sittings.filter(state=Sitting.State.DRAFT).count(),
            }
        )
    return public_headers(render(request, "home.html", {"assemblies": assemblies}))


@require_GET
@domain_errors
def sitting_public(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    convocation = Convocation.objects.filter(sitting=sitting).first()
    context = {
        "sitting": sitting,
        "config": live_config(sitting, "public", public_snapshot(sitting)),
        "convocation": convocation,
        "words": convocation_lines(sitting) if convocation else None,
        "record": sitting_record(sitting),  # once closed (templates/sessions/_record.html)
    }
    return public_headers(render(request, "sessions/public.html", context))


@require_GET
@domain_errors
def convocation_pdf(request: HttpRequest, sitting_id: int) -> FileResponse:
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    convocation = Convocation.objects.filter(sitting=sitting).first()
    if convocation is None:
        raise Http404
    return FileResponse(
        convocation.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"convocation-{sitting.pk}.pdf",
    )


@require_GET
@domain_errors
def convocation_page(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """R9, R34: the convocation's accessible version, made from the words its PDF was made
    from, with the PDF's SHA-256 and a link to it (404 before it is sent)."""
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    convocation = Convocation.objects.filter(sitting=sitting).first()
    if convocation is None:
        raise Http404
    pdf_url = reverse("convocation-pdf", args=[sitting.pk])
    return act_response(request, convocation, sitting, pdf_url, convocation.pdf_sha256)


def act_response(
    request: HttpRequest,
    source: Convocation | Publication,
    sitting: Sitting,
    pdf_url: str,
    sha256: str,
) -> HttpResponse:
    """R9, R31, R34: an act's accessible page (a convocation, a published act), made from
    the words its PDF was made from, with the PDF's SHA-256, size and link; 404 for an
    act kept before these pages were (no stored words)."""
    if not source.content:
        raise Http404
    context = act_page(source.content)
    size = source.pdf.size if isinstance(source, Convocation) else source.size
    context.update(source=source, sitting=sitting, pdf_url=pdf_url, sha256=sha256, size=size)
    return public_headers(render(request, "sessions/archive/act.html", context))


@require_GET
@domain_errors
def convocation_ack(request: HttpRequest, token: str) -> HttpResponse:
    recipient = convocation_acknowledge(token=token)
    sitting = recipient.convocation.sitting
    context = {
        "recipient": recipient,
        "sitting": sitting,
        "words": convocation_lines(sitting),
        "items": sitting.items.prefetch_related("documents"),
    }
    return public_headers(render(request, "sessions/ack.html", context))
