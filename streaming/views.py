"""The public broadcast: HLS files, the embeddable player. No cookie, nothing from
another host (R33); access as for the public page."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from sessions.access import Role, access_sitting
from sessions.live.snapshots import public_snapshot
from sessions.views.errors import domain_errors
from sessions.views.labels import live_config
from sessions.views.public import public_headers

from .hls import content_type, servable
from .models import Replay


@require_GET
@domain_errors
def hls_file(request: HttpRequest, sitting_id: int, name: str) -> FileResponse:
    """Playlists are never cached (they change every second); segments never change."""
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    path = servable(sitting.pk, name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type=content_type(path))
    playlist = path.suffix == ".m3u8"
    response["Cache-Control"] = "no-cache" if playlist else "public, max-age=86400, immutable"
    return response


@xframe_options_exempt
@require_GET
@domain_errors
def embed(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The player alone, for an <iframe> on the city's website."""
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    context = {
        "sitting": sitting,
        "config": live_config(sitting, "public", public_snapshot(sitting)),
        "replay_ready": Replay.objects.filter(sitting=sitting, state=Replay.State.READY).exists(),
    }
    return public_headers(render(request, "streaming/embed.html", context))
