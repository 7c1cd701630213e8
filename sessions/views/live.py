"""The live pages of a sitting: chair dashboard and councillor seat."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from council.errors import DomainError
from council.parsing import parse_optional_id, parse_optional_member
from sessions.errors import SittingErrorCode

from .. import services
from ..access import (
    Role,
    access_document,
    access_member,
    access_proxy,
    access_sitting,
    member_of,
)
from ..inputs import sittings_of
from ..live.snapshots import chair_snapshot
from ..models import Proxy, Sitting
from ..selectors import members_in_office
from .errors import domain_errors
from .labels import live_config


@login_required
@domain_errors
def chair_dashboard(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
    context = {
        "sitting": sitting,
        "config": live_config(sitting, "chair", chair_snapshot(sitting)),
        "rooms": sitting.remote_rooms.all(),
    }
    return render(request, "sessions/chair.html", context)


@login_required
@domain_errors
def roll(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The roll kept in a remote room by its secretary agent (R27), or by the clerk."""
    sitting = access_sitting(request.user, sitting_id, Role.ATTENDANCE)
    context = {"sitting": sitting, "config": live_config(sitting, "roll", chair_snapshot(sitting))}
    return render(request, "sessions/roll.html", context)


@login_required
@domain_errors
def seat(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
    member = member_of(request.user, sitting.assembly_id)
    proxies_given = (
        Proxy.objects.filter(
            grantor=member, covers__sitting=sitting, covers__active=True
        ).select_related("holder")
        if member
        else Proxy.objects.none()
    )
    context = {
        "sitting": sitting,
        "member": member,
        "config": live_config(
            sitting, "seat", chair_snapshot(sitting), member.pk if member else None
        ),
        "items": sitting.items.prefetch_related("documents").select_related("rapporteur"),
        "proxies_given": proxies_given,
        "holders": members_in_office(sitting).exclude(pk=member.pk) if member else [],
        "upcoming": Sitting.objects.filter(
            assembly=sitting.assembly, starts_at__gte=sitting.starts_at
        )
        .exclude(state=Sitting.State.CLOSED)
        .order_by("starts_at")[:3],
    }
    return render(request, "sessions/seat.html", context)


@login_required
@require_POST
@domain_errors
def seat_proxy_give(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
    grantor = access_member(
        request.user, sitting, _("Only a member of the council can give a proxy.")
    )
    holder_id = parse_optional_id(request.POST.get("holder"), field="holder", strings=True)
    sittings = sittings_of(sitting, request.POST.getlist("sittings") or [sitting.pk], strings=True)
    try:
        holder = parse_optional_member(sitting.assembly, holder_id, field="holder")
        if holder is None:
            raise DomainError(
                _("Choose the member who will hold your proxy."), code=SittingErrorCode.NO_HOLDER
            )
        services.proxy_grant(
            grantor=grantor,
            holder=holder,
            sittings=sittings,
            user=request.user,
            document=request.FILES.get("document"),
        )
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("seat", sitting_id=sitting.pk)
    messages.success(request, _("Your proxy to %(name)s is recorded.") % {"name": holder})
    return redirect("seat", sitting_id=sitting.pk)


@login_required
@require_POST
@domain_errors
def seat_proxy_revoke(request: HttpRequest, proxy_id: int) -> HttpResponse:
    proxy = access_proxy(request.user, proxy_id, revoke=True)
    # Read before anything is changed: a malformed page to come back to is refused with
    # the proxy still in force, never after revoking it.
    sitting_id = parse_optional_id(request.POST.get("sitting"), field="sitting", strings=True)
    try:
        services.proxy_revoke(proxy=proxy, user=request.user)
        messages.success(request, _("Your proxy is revoked."))
    except DomainError as err:
        messages.error(request, err.message)
    if sitting_id is not None:
        return redirect("seat", sitting_id=sitting_id)
    return redirect("home")


@login_required
@domain_errors
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    document = access_document(request.user, document_id)
    return FileResponse(
        document.file.open("rb"), content_type="application/pdf", filename=f"{document.title}.pdf"
    )


@login_required
@domain_errors
def proxy_document(request: HttpRequest, proxy_id: int) -> FileResponse:
    """The written proxy: for its grantor and holder, and for the assembly's chair and clerk."""
    proxy = access_proxy(request.user, proxy_id)
    return FileResponse(
        proxy.document.open("rb"),
        content_type="application/pdf",
        filename=f"pouvoir-{proxy.pk}.pdf",
    )
