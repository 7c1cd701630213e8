"""A co-built agenda (seed 002): a councillor proposes from their seat page; the clerk (on
the agenda page) or the sitting's chair (on the proposals page) accepts, merges or
declines. Every write is a service of sessions.services.proposals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from council.errors import DomainError, Forbidden, InvalidInput, NotFound
from council.parsing import parse_id
from sessions.errors import SittingErrorCode

from ..access import Role, access_sitting, can, member_of
from ..models import ItemProposal, Sitting
from ..services import proposals as service
from .errors import domain_errors


@login_required
@require_POST
@domain_errors
def proposal_submit(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
    member = member_of(request.user, sitting.assembly_id)
    if member is None:
        raise Forbidden(_("Only the members of this council may propose an item for its agenda."))
    try:
        service.proposal_submit(
            sitting=sitting,
            member=member,
            title=request.POST.get("title", "")[:300],
            note=request.POST.get("note", "")[:4000],
        )
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request, _("Your proposal is sent: the clerk and the chair will decide on it.")
        )
    return redirect(f"{_seat_url(sitting)}#proposals")


def _seat_url(sitting: Sitting) -> str:
    return reverse("seat", args=[sitting.pk])


@login_required
@require_GET
@domain_errors
def proposals_page(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The proposals of a sitting, for its chair (the clerk has them on the agenda page)."""
    sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
    context = {
        "sitting": sitting,
        "items": sitting.items.all(),
        "editable": service.proposals_open(sitting),
        "is_clerk": can(request.user, sitting, Role.CLERK),
    }
    return render(request, "sessions/clerk/proposals.html", context)


def _decide(request: HttpRequest, proposal: ItemProposal, decision: str) -> str:
    if decision == "accept":
        done = service.proposal_accept(proposal=proposal, user=request.user)
        return _("“%(title)s” is item %(n)s of the agenda.") % {
            "title": done.title,
            "n": done.item.position if done.item else "?",
        }
    if decision == "merge":
        item_id = parse_id(request.POST.get("item"), field="item", strings=True)
        item = proposal.sitting.items.filter(pk=item_id).first()
        if item is None:
            raise InvalidInput(
                _("This item is not on this sitting's agenda."), code=SittingErrorCode.UNKNOWN_ITEM
            )
        service.proposal_merge(proposal=proposal, item=item, user=request.user)
        return _("The proposal is merged into item %(n)s.") % {"n": item.position}
    if decision == "decline":
        service.proposal_decline(
            proposal=proposal, reason=request.POST.get("reason", "")[:2000], user=request.user
        )
        return _("The proposal is declined; its author sees your reason.")
    raise NotFound(_("No such action."))


@login_required
@require_POST
@domain_errors
def proposal_decide(
    request: HttpRequest, sitting_id: int, proposal_id: int, decision: str
) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
    proposal = get_object_or_404(
        ItemProposal.objects.select_related("sitting", "member"), pk=proposal_id, sitting=sitting
    )
    try:
        messages.success(request, _decide(request, proposal, decision))
    except InvalidInput as err:
        messages.error(request, err.message)
    except DomainError as err:
        if err.status == 404:
            raise
        messages.error(request, err.message)
    if can(request.user, sitting, Role.CLERK):
        return redirect(f"/clerk/sittings/{sitting.pk}/#proposals")
    return redirect("clerk-proposals", sitting_id=sitting.pk)
