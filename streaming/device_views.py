"""The device test a councillor runs the day before joining by browser: camera preview,
microphone level, speakers, and the connection to the server (round trip and download
speed), with advice to join with sound only on a weak link."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from council.errors import InvalidInput
from council.parsing import parse_count, parse_optional_id
from sessions.access import Role, access_sitting, can
from sessions.views.errors import domain_errors

MAX_PROBE = 2_000_000  # bytes: enough to tell a 2 Mbit/s link from a weaker one
PROBE = bytes(MAX_PROBE)


@login_required
@require_GET
def device_test(request: HttpRequest) -> HttpResponse:
    return render(request, "streaming/device_test.html")


@login_required
@domain_errors
@require_GET
def visio(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The councillor's (or the chair's) video of the sitting; `?room=<id>`: a remote
    room of an intercommunality joining through its agent (the socket checks the room)."""
    room = parse_optional_id(request.GET.get("room"), field="room", strings=True)
    sitting = access_sitting(request.user, sitting_id, Role.ATTENDANCE if room else Role.MEMBER)
    socket = f"/ws/sittings/{sitting.pk}/visio/" + (f"?{urlencode({'room': room})}" if room else "")
    context = {
        "sitting": sitting,
        "is_chair": can(request.user, sitting, Role.CHAIR),
        "asks_floor": not room and not can(request.user, sitting, Role.CHAIR),
        "socket": socket,
    }
    return render(request, "streaming/visio.html", context)


@login_required
@never_cache
@require_GET
def probe(request: HttpRequest) -> HttpResponse:
    """`?bytes=N`: N zero bytes, uncompressible by nobody in between (no-transform)."""
    try:
        size = parse_count(
            request.GET.get("bytes", "0"), field="bytes", maximum=MAX_PROBE, strings=True
        )
    except InvalidInput:
        return HttpResponseBadRequest(
            _("Ask for between 0 and %(max)s bytes.") % {"max": MAX_PROBE},
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(PROBE[:size], content_type="application/octet-stream")
    response["Cache-Control"] = "no-store, no-transform"
    return response
