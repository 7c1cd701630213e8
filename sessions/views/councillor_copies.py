"""R32: the clerk's re-send of a copy to a member commune's councillor, and the copy's
acknowledgement link (its proof of opening)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from council.errors import DomainError, InvalidInput
from council.models import Assembly, CommuneCouncillor
from council.parsing import parse_id
from sessions.errors import SittingErrorCode

from ..access import Role, access_assembly
from ..documents import convocation_lines
from ..services.councillor_copies import copy_acknowledge, copy_resend, councillors_import
from .clerk import _access, _board
from .errors import domain_errors
from .public import public_headers


@login_required
@require_POST
@domain_errors
def councillor_copy_resend(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The board's button: one copy sent again (R32)."""
    sitting = _access(request, sitting_id)
    try:
        copy_id = parse_id(request.POST.get("copy"), field="copy", strings=True)
    except InvalidInput:
        refusal = InvalidInput(
            _("Choose the copy to send again."), code=SittingErrorCode.COPY_MISSING
        )
        return _board(request, sitting, refusal, status=400)
    try:
        copy = copy_resend(sitting=sitting, copy_id=copy_id, user=request.user)
    except DomainError as err:
        return _board(request, sitting, err, status=err.status)
    messages.success(
        request,
        _("The copy is being sent again to %(name)s.") % {"name": copy.councillor.full_name},
    )
    return redirect("clerk-deliveries", sitting_id=sitting.pk)


@require_GET
@domain_errors
def councillor_copy_ack(request: HttpRequest, token: str) -> HttpResponse:
    copy = copy_acknowledge(token=token)
    context = {"copy": copy, "sitting": copy.sitting, "words": convocation_lines(copy.sitting)}
    return public_headers(render(request, "sessions/copy_ack.html", context))


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def commune_councillors(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """R32: the member communes' councillors outside the EPCI's council, and the clerk's
    CSV import of them."""
    assembly = access_assembly(request.user, assembly_id, Role.CLERK)
    refusal: DomainError | None = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(
                    _("Choose a CSV file to import."), code=SittingErrorCode.FILE_MISSING
                )
            result = councillors_import(assembly=assembly, data=upload.read(), user=request.user)
        except DomainError as err:
            refusal, status = err, err.status
        else:
            messages.success(
                request,
                _("%(created)s councillors added, %(updated)s updated.")
                % {"created": result.created, "updated": result.updated},
            )
            return redirect("clerk-commune-councillors", assembly_id=assembly.pk)
    return _councillors_page(request, assembly, refusal, status)


def _councillors_page(
    request: HttpRequest, assembly: Assembly, refusal: DomainError | None, status: int
) -> HttpResponse:
    councillors = CommuneCouncillor.objects.filter(commune__assembly=assembly).select_related(
        "commune"
    )
    context = {"assembly": assembly, "councillors": councillors, "refusal": refusal}
    return render(request, "sessions/clerk/commune_councillors.html", context, status=status)
