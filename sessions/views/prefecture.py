"""The clerk's pages of the transmission to the prefecture (S²LOW): each act's state, the
prefecture's acknowledgement, a refusal with S²LOW's reason; and the item's ACTES matter
code, needed before its vote. Views are thin: the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from council.errors import DomainError

from .. import services
from ..access import Role, access_sitting
from ..models import AgendaItem, PrefectureLink, Sitting, Transmission
from ..prefecture.services import transmission_retry
from .errors import domain_errors


def _page(
    request: HttpRequest, sitting: Sitting, *, status: int = 200, refusal: DomainError | None = None
) -> HttpResponse:
    context = {
        "sitting": sitting,
        "link": PrefectureLink.objects.filter(assembly_id=sitting.assembly_id).first(),
        "transmissions": sitting.transmissions.select_related("publication__deliberation"),
        "refusal": refusal,
        "tab": "prefecture",
    }
    return render(request, "sessions/clerk/prefecture.html", context, status=status)


@login_required
@require_GET
@domain_errors
def prefecture_page(request: HttpRequest, sitting_id: int) -> HttpResponse:
    return _page(request, access_sitting(request.user, sitting_id, Role.CLERK))


@login_required
@require_POST
@domain_errors
def prefecture_retry(request: HttpRequest, sitting_id: int, transmission_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.CLERK)
    transmission = get_object_or_404(Transmission, pk=transmission_id, sitting=sitting)
    try:
        transmission_retry(transmission=transmission, user=request.user)
    except DomainError as err:
        return _page(request, sitting, status=err.status, refusal=err)
    messages.success(request, _("The act %(n)s is sent again.") % {"n": transmission.number})
    return redirect("clerk-prefecture", sitting_id=sitting.pk)


@login_required
@require_POST
@domain_errors
def item_matter(request: HttpRequest, sitting_id: int, item_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.CLERK)
    item = get_object_or_404(AgendaItem, pk=item_id, sitting=sitting)
    services.item_matter_set(item=item, matter=request.POST.get("matter", ""), user=request.user)
    messages.success(
        request, _("Item %(n)s: ACTES matter %(code)s.") % {"n": item.position, "code": item.matter}
    )
    return redirect("clerk-sitting", sitting_id=sitting.pk)
