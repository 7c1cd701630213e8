"""The technician's pages: the régie (previews and the programme's controls) and the
stream's health. Staff only (Role.BROADCAST: chair, clerk, technician)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from council.errors import DomainError
from council.parsing import parse_count, parse_flag, parse_text
from sessions.access import Role, access_sitting
from sessions.models import Sitting
from sessions.views.errors import domain_errors

from . import services
from .audience import viewers
from .errors import BroadcastInvalid, Code
from .hls import preview_dir
from .models import Broadcast
from .programme.state import SLATES
from .regie import regie_status, shown_state, sobriety
from .selectors import broadcast_shown, cameras_of

Command = Callable[[Sitting, Any, dict[str, str]], Broadcast]
MAX_CAMERAS = 64


def _camera(data: dict[str, str], *, optional: bool = False) -> int | None:
    """A camera's index in the room, in ASCII digits (the service checks the room has it);
    for a picture in picture, empty is none."""
    if optional and data.get("camera") in (None, ""):
        return None
    return parse_count(data.get("camera"), field="camera", maximum=MAX_CAMERAS, strings=True)


def _on(data: dict[str, str]) -> bool:
    return parse_flag(data.get("on"), field="on")


def _text(data: dict[str, str], key: str) -> str:
    """A line of the form (the service says how long it may be once trimmed)."""
    return parse_text(data.get(key), field=key, max_length=1000)


COMMANDS: dict[str, Command] = {
    "start": lambda s, u, d: services.broadcast_start(sitting=s, user=u),
    "stop": lambda s, u, d: services.broadcast_stop(sitting=s, user=u),
    "cut": lambda s, u, d: services.programme_cut(sitting=s, user=u, camera=_camera(d)),
    "pip": lambda s, u, d: services.programme_pip(
        sitting=s, user=u, camera=_camera(d, optional=True)
    ),
    "lower_third": lambda s, u, d: services.programme_lower_third(
        sitting=s, user=u, name=_text(d, "name"), role=_text(d, "role"), item=_text(d, "item")
    ),
    "slate": lambda s, u, d: services.programme_slate(sitting=s, user=u, slate=_text(d, "slate")),
    "protected": lambda s, u, d: services.protected_speech(
        sitting=s, user=u, on=_on(d), reason=_text(d, "reason")
    ),
    "auto": lambda s, u, d: services.direction_auto(sitting=s, user=u, on=_on(d)),
}


def status(broadcast: Broadcast, sitting: Sitting) -> dict[str, Any]:
    """What the régie and the health page show, refreshed every second (four times a
    second while a command waits for the runner's report), with the programme's state
    and each camera's in words (streaming.regie)."""
    state, label = shown_state(broadcast)
    cameras = cameras_of(sitting)
    return {
        **regie_status(broadcast, sitting, cameras, state),
        "state": state,
        "state_label": label,
        "programme": broadcast.programme,
        "restarts": broadcast.restarts,
        "last_error": broadcast.last_error,
        "heartbeat_at": broadcast.heartbeat_at.isoformat() if broadcast.heartbeat_at else None,
        "health": broadcast.health,
        "viewers": viewers(sitting.pk),
    }


@login_required
@domain_errors
@require_GET
def regie(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.BROADCAST)
    broadcast = broadcast_shown(sitting)  # not stored before the first command
    cameras, shown = cameras_of(sitting), status(broadcast, sitting)
    context = {
        "sitting": sitting,
        "broadcast": broadcast,
        "state": shown_state(broadcast),
        "cameras": cameras,
        "rows": list(zip(cameras, shown["cameras"], strict=True)),
        # The close's own slate is shown by the close (services.closing_programme).
        "slates": [(key, slate.text) for key, slate in SLATES.items() if key != "closed"],
        "status": shown,
    }
    return render(request, "streaming/regie.html", context)


@login_required
@domain_errors
@require_GET
def health_page(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.BROADCAST)
    broadcast = broadcast_shown(sitting)
    context = {
        "sitting": sitting,
        "broadcast": broadcast,
        "state": shown_state(broadcast),
        "viewers": viewers(sitting.pk),
        "sobriety": sobriety(broadcast),
    }
    return render(request, "streaming/health.html", context)


@login_required
@require_GET
def health_json(request: HttpRequest, sitting_id: int) -> JsonResponse:
    try:
        sitting = access_sitting(request.user, sitting_id, Role.BROADCAST)
    except DomainError as err:
        return JsonResponse(err.as_dict(), status=err.status)
    return JsonResponse(status(broadcast_shown(sitting), sitting))


@login_required
@require_POST
def command(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """One control of the régie. From the page's script: JSON back, 4xx with a message on
    refusal; from a plain form: back to the régie with the message."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        sitting = access_sitting(request.user, sitting_id, Role.BROADCAST)
        action = COMMANDS.get(request.POST.get("action", ""))
        if action is None:
            raise BroadcastInvalid(Code.UNKNOWN_COMMAND)
        broadcast = action(sitting, request.user, request.POST.dict())
    except DomainError as err:
        if wants_json:
            return JsonResponse(err.as_dict(), status=err.status)
        messages.error(request, err.message)
        return redirect("broadcast-regie", sitting_id)
    if wants_json:
        return JsonResponse(status(broadcast, sitting))
    return redirect("broadcast-regie", sitting_id)


@login_required
@domain_errors
@require_GET
def preview(request: HttpRequest, sitting_id: int, index: int) -> FileResponse:
    """A camera's last key frame, whatever is on air (the technician sees a camera before
    cutting to it, closed session included: staff only)."""
    access_sitting(request.user, sitting_id, Role.BROADCAST)
    path = preview_dir(sitting_id) / f"{index}.jpg"
    try:
        response = FileResponse(path.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404(_("No picture from this camera yet.")) from None
    response["Cache-Control"] = "no-store"
    return response
