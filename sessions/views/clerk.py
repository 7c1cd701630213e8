"""The clerk's pages: sittings, agenda, convocation, delivery board.

Every write goes through a service; a refusal is shown on the same page, in a form when
one concerns it, with the refusal's status (400 for bad input, 409 for a state refusal).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from council.errors import DomainError, Forbidden, InvalidInput
from council.parsing import parse_id
from council.regime import regime_for
from sessions.errors import SittingErrorCode

from .. import services
from ..access import Role, access_assembly, access_sitting, clerk_assemblies
from ..documents import convocation_lines
from ..forms import ConvocationForm, DocumentForm, ItemForm, SittingForm
from ..minutes.selectors import deadlines
from ..models import AgendaItem, Convocation, Sitting, actes
from ..services.councillor_copies import copies_board
from .errors import domain_errors

TEMPLATES = "sessions/clerk/"


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even if empty), None for a GET: the form is then unbound."""
    return request.POST if request.method == "POST" else None


def _access(request: HttpRequest, sitting_id: int) -> Sitting:
    return access_sitting(request.user, sitting_id, Role.CLERK)


@login_required
@domain_errors
def sitting_list(request: HttpRequest) -> HttpResponse:
    assemblies = list(clerk_assemblies(request.user))
    if not assemblies:
        raise Forbidden(_("These pages are for the clerks of an assembly."))
    sittings = Sitting.objects.filter(assembly__in=assemblies).order_by("-starts_at")
    by_assembly = [
        {"assembly": a, "sittings": [s for s in sittings if s.assembly_id == a.pk]}
        for a in assemblies
    ]
    context = {"assemblies": by_assembly, "deadlines": deadlines(sittings)}
    return render(request, TEMPLATES + "list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def sitting_new(request: HttpRequest, assembly_id: int) -> HttpResponse:
    assembly = access_assembly(request.user, assembly_id, Role.CLERK)
    form = SittingForm(_posted(request), assembly=assembly)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sitting = services.sitting_create(
                    assembly=assembly, user=request.user, **form.service_kwargs()
                )
            except DomainError as err:
                form.add_domain_error(err)
                status = err.status
            else:
                messages.success(request, _("The sitting is created. Now prepare its agenda."))
                return redirect("clerk-sitting", sitting_id=sitting.pk)
    context = {"assembly": assembly, "form": form}
    return render(request, TEMPLATES + "sitting_new.html", context, status=status)


def _edit_page(
    request: HttpRequest,
    sitting: Sitting,
    *,
    status: int = 200,
    refusal: DomainError | None = None,
    sitting_form: SittingForm | None = None,
    item_form: ItemForm | None = None,
    document_form: DocumentForm | None = None,
) -> HttpResponse:
    editable = sitting.state == Sitting.State.DRAFT
    items = list(sitting.items.select_related("rapporteur").prefetch_related("documents"))
    for item in items:
        bound = document_form is not None and document_form.item.pk == item.pk
        item.document_form = document_form if bound else DocumentForm(item=item)  # type: ignore[attr-defined]
    context = {
        "sitting": sitting,
        "editable": editable,
        "refusal": refusal,
        "convocation": Convocation.objects.filter(sitting=sitting).first(),
        "items": items,
        "sitting_form": sitting_form
        or SittingForm(initial=SittingForm.initial_for(sitting), assembly=sitting.assembly),
        "item_form": item_form or ItemForm(sitting=sitting),
        "matter_choices": actes.CHOICES,
    }
    return render(request, TEMPLATES + "sitting_edit.html", context, status=status)


def _refused(
    request: HttpRequest, sitting: Sitting, err: DomainError, **forms: Any
) -> HttpResponse:
    """Show a service's refusal on the edit page; the service changed nothing."""
    sitting.refresh_from_db()
    refusal = err if sitting.state != Sitting.State.DRAFT else None
    return _edit_page(request, sitting, status=err.status, refusal=refusal, **forms)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def sitting_edit(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = _access(request, sitting_id)
    if request.method == "GET":
        return _edit_page(request, sitting)
    form = SittingForm(request.POST, assembly=sitting.assembly)
    if not form.is_valid():
        return _edit_page(request, sitting, status=400, sitting_form=form)
    try:
        services.sitting_update(sitting=sitting, user=request.user, **form.service_kwargs())
    except DomainError as err:
        form.add_domain_error(err)
        return _refused(request, sitting, err, sitting_form=form)
    messages.success(request, _("The sitting is saved."))
    return redirect("clerk-sitting", sitting_id=sitting.pk)


@login_required
@require_POST
@domain_errors
def item_add(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = _access(request, sitting_id)
    form = ItemForm(request.POST, sitting=sitting)
    if not form.is_valid():
        return _edit_page(request, sitting, status=400, item_form=form)
    try:
        item = services.item_add(sitting=sitting, user=request.user, **form.cleaned_data)
    except DomainError as err:
        form.add_domain_error(err)
        return _refused(request, sitting, err, item_form=form)
    messages.success(request, _("Item %(n)s is added to the agenda.") % {"n": item.position})
    return redirect("clerk-sitting", sitting_id=sitting.pk)


def _item(sitting: Sitting, item_id: int) -> AgendaItem:
    return get_object_or_404(
        AgendaItem.objects.select_related("sitting"), pk=item_id, sitting=sitting
    )


@login_required
@require_POST
@domain_errors
def item_remove(request: HttpRequest, sitting_id: int, item_id: int) -> HttpResponse:
    sitting = _access(request, sitting_id)
    item = _item(sitting, item_id)
    try:
        services.item_remove(item=item, user=request.user)
    except DomainError as err:
        return _refused(request, sitting, err)
    messages.success(request, _("The item “%(title)s” is removed.") % {"title": item.title})
    return redirect("clerk-sitting", sitting_id=sitting.pk)


@login_required
@require_POST
@domain_errors
def document_attach(request: HttpRequest, sitting_id: int, item_id: int) -> HttpResponse:
    sitting = _access(request, sitting_id)
    item = _item(sitting, item_id)
    form = DocumentForm(request.POST, request.FILES, item=item)
    if not form.is_valid():
        return _edit_page(request, sitting, status=400, document_form=form)
    data = form.cleaned_data
    try:
        services.document_attach(
            item=item,
            user=request.user,
            kind=data["kind"],
            title=data["title"],
            upload=data["file"],
        )
    except DomainError as err:
        form.add_domain_error(err)
        return _refused(request, sitting, err, document_form=form)
    messages.success(request, _("The document is attached to item %(n)s.") % {"n": item.position})
    return redirect("clerk-sitting", sitting_id=sitting.pk)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def convocation_preview(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = _access(request, sitting_id)
    form = ConvocationForm(_posted(request), sitting=sitting)
    status, refusal = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                convocation = services.convocation_send(
                    sitting=sitting,
                    user=request.user,
                    convened_by=form.cleaned_data["convened_by"],
                    replacement_reason=form.cleaned_data["replacement_reason"],
                )
            except DomainError as err:
                # A refusal about a field goes next to it; the law's refusals head the page.
                if err.code in form.error_fields:
                    form.add_domain_error(err)
                else:
                    refusal = err
                status = err.status
                sitting.refresh_from_db()
            else:
                messages.success(
                    request,
                    _("The convocation is sent and entered in the register under no. %(n)s.")
                    % {"n": convocation.register_number},
                )
                return redirect("clerk-deliveries", sitting_id=sitting.pk)
    context = {
        "sitting": sitting,
        "form": form,
        "refusal": refusal,
        "words": convocation_lines(sitting),
        "check": services.convocation_check(sitting),
        "convocation": Convocation.objects.filter(sitting=sitting).first(),
    }
    return render(request, TEMPLATES + "convocation.html", context, status=status)


@login_required
@domain_errors
def deliveries(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = _access(request, sitting_id)
    return _board(request, sitting)


def _board(
    request: HttpRequest, sitting: Sitting, refusal: DomainError | None = None, status: int = 200
) -> HttpResponse:
    """The delivery board: each member's delivery, its tries and errors, and the notice
    counted from the latest dispatch (R5)."""
    convocation = Convocation.objects.filter(sitting=sitting).first()
    recipients = (
        convocation.recipients.select_related("member") if convocation is not None else None
    )
    totals = (
        recipients.aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(sent_at__isnull=False)),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            paper=Count("pk", filter=Q(paper_requested=True)),
            errors=Count("pk", filter=~Q(delivery_error="")),
        )
        if recipients is not None
        else None
    )
    context = {
        "sitting": sitting,
        "convocation": convocation,
        "recipients": recipients,
        "totals": totals,
        "notice": services.convocation_notice(convocation) if convocation else None,
        "can_resend": sitting.state == Sitting.State.CONVENED,
        # A retry this late was lost (its worker stopped while holding it): say so.
        "overdue_before": timezone.now() - datetime.timedelta(minutes=5),
        "refusal": refusal,
        # R32: an EPCI's copies to the member communes' councillors outside its council.
        "copies": (
            copies_board(sitting)
            if regime_for(sitting.assembly).councillors_get_copies(sitting.assembly)
            else None
        ),
    }
    return render(request, TEMPLATES + "deliveries.html", context, status=status)


@login_required
@require_POST
@domain_errors
def delivery_resend(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The clerk sends the convocation again to one member (the board's button)."""
    sitting = _access(request, sitting_id)
    try:
        member_id = parse_id(request.POST.get("member"), field="member", strings=True)
    except InvalidInput:
        refusal = InvalidInput(
            _("Choose the member to send the convocation to again."),
            code=SittingErrorCode.MEMBER_MISSING,
        )
        return _board(request, sitting, refusal, status=400)
    try:
        recipient = services.convocation_resend(
            sitting=sitting, member_id=member_id, user=request.user
        )
    except DomainError as err:
        sitting.refresh_from_db()
        return _board(request, sitting, err, status=err.status)
    messages.success(
        request,
        _("The convocation is being sent again to %(name)s.")
        % {"name": recipient.member.full_name},
    )
    return redirect("clerk-deliveries", sitting_id=sitting.pk)
