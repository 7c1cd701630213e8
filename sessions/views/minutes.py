"""The minutes page: the secretary drafts, the chair and secretary sign, the clerk
publishes (R28-R31). One page; each form posts one action to its own URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from council.errors import DomainError, InvalidInput, NotFound
from council.parsing import parse_id

from ..access import Role, access_sitting, can
from ..minutes import services as minutes
from ..minutes.draft import minutes_draft, missing_fields
from ..minutes.steps import agenda_targets, minutes_steps, next_for_you
from ..models import AgendaItem, Minutes, Sitting
from .errors import domain_errors


def _page(
    request: HttpRequest, sitting: Sitting, *, status: int = 200, refusal: Any = None
) -> HttpResponse:
    record = minutes.minutes_start(sitting=sitting, user=request.user)
    content = record.content or minutes_draft(sitting, record)
    steps = minutes_steps(record, request.user, content)
    targets = agenda_targets(record)
    context = {
        "sitting": sitting,
        "minutes": record,
        "content": content,
        "missing": missing_fields(content) if record.is_draft else [],
        "done_items": [i for i in content["items"] if i["state"] == AgendaItem.State.DONE],
        "targets": targets,
        "eligible_targets": [t for t in targets if t.eligible],
        "steps": steps,
        "next_for_you": next_for_you(steps),
        "agenda_step": steps[2],
        "is_clerk": can(request.user, sitting, Role.CLERK),
        "sign_as": minutes.can_sign(record, request.user),
        "deliberations": sitting.deliberations.select_related("publication"),
        "listing": sitting.publications.filter(kind="list").first(),
        "refusal": refusal,
        "tab": "minutes",
    }
    return render(request, "sessions/clerk/minutes.html", context, status=status)


@login_required
@require_GET
@domain_errors
def minutes_page(request: HttpRequest, sitting_id: int) -> HttpResponse:
    return _page(request, access_sitting(request.user, sitting_id, Role.MINUTES))


def _save(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    items = {f"debate-{i.pk}": i for i in sitting.items.all()}
    for key in request.POST:
        if not key.startswith("debate-"):
            continue
        if key not in items:
            raise InvalidInput(_("This item is not on this sitting's agenda."))
        text = request.POST.get(key, "")
        minutes.debate_summary_save(minutes=record, item=items[key], text=text, user=request.user)
    return _("The summaries of the debates are saved.")


def _finalise(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    if any(key.startswith("debate-") for key in request.POST):
        _save(request, sitting, record)
    minutes.minutes_finalise(minutes=record, user=request.user)
    return _("The minutes are finalised and can be put on the agenda of the next sitting.")


def _reopen(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    minutes.minutes_reopen(minutes=record, user=request.user)
    return _("The minutes are back to draft.")


def _put_on_agenda(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    access_sitting(request.user, sitting.pk, Role.CLERK)
    target_id = parse_id(request.POST.get("target"), field="target", strings=True)
    target = access_sitting(request.user, target_id, Role.CLERK)
    minutes.minutes_put_on_agenda(minutes=record, sitting=target, user=request.user)
    return _("The adoption of the minutes is item 1 of “%(title)s”.") % {"title": target.title}


def _sign(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    minutes.minutes_sign(minutes=record, user=request.user)
    return _("Your signature is recorded.")


def _publish(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    access_sitting(request.user, sitting.pk, Role.CLERK)
    publication = minutes.minutes_publish(minutes=record, user=request.user)
    return _("The minutes are online. SHA-256: %(hash)s") % {"hash": publication.sha256}


def _publish_list(request: HttpRequest, sitting: Sitting, record: Minutes) -> str:
    access_sitting(request.user, sitting.pk, Role.CLERK)
    minutes.deliberations_publish(sitting=sitting, user=request.user)
    return _("The list of deliberations and each deliberation are online.")


ACTIONS: dict[str, Callable[[HttpRequest, Sitting, Minutes], str]] = {
    "save": _save,
    "finalise": _finalise,
    "reopen": _reopen,
    "agenda": _put_on_agenda,
    "sign": _sign,
    "publish": _publish,
    "publish-list": _publish_list,
}


@login_required
@require_POST
@domain_errors
def minutes_action(request: HttpRequest, sitting_id: int, action: str) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.MINUTES)
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound(_("No such action."))
    record = minutes.minutes_start(sitting=sitting, user=request.user)
    try:
        done = handler(request, sitting, record)
    except DomainError as err:
        return _page(request, sitting, status=err.status, refusal=err)
    messages.success(request, done)
    return redirect("clerk-minutes", sitting_id=sitting.pk)
