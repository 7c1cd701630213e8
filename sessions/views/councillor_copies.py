"""R32: the clerk's re-send of a copy to a member commune's councillor, and the copy's
acknowledgement link (its proof of opening)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from council.errors import DomainError, InvalidInput
from council.parsing import parse_id

from ..documents import convocation_lines
from ..services.councillor_copies import copy_acknowledge, copy_resend
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
        refusal = InvalidInput(_("Choose the copy to send again."), code="copy_missing")
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
