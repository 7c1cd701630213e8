"""The public replay of a sitting (R34): the page, the MP4 (with HTTP Range) and its
chapters. Access is the public archive's; a replay never holds closed-session content,
it was cut out when the replay was built."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from council.words import clock
from sessions.access import Role, access_sitting
from sessions.models import Sitting
from sessions.views.errors import domain_errors
from sessions.views.public import public_headers

from .media import chapters_file, replay_file
from .models import CutSpan, Replay
from .ranged import ranged_file
from .replay import cut_seconds
from .selectors import replay_for
from .transcript.views import transcript_context


def _ready_replay(request: HttpRequest, sitting_id: int) -> Replay:
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    replay = replay_for(sitting)
    if replay is None:
        raise Http404(_("There is no replay of this sitting yet."))
    return replay


@require_GET
@domain_errors
def replay_page(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    replay = replay_for(sitting)
    if replay is None:
        response = render(request, "streaming/replay.html", {"sitting": sitting}, status=404)
        return public_headers(response)
    kinds = dict(CutSpan.Kind.choices)
    cuts = [
        {"label": kinds.get(kind, kind), "seconds": seconds}
        for kind, seconds in cut_seconds(replay).items()
    ]
    chapters = [
        {**c, "second": int(c["start"]), "clock": clock(c["start"])} for c in replay.chapters
    ]
    context = {"sitting": sitting, "replay": replay, "chapters": chapters, "cuts": cuts}
    context |= transcript_context(request, sitting, replay)
    context["accessibility"] = accessibility(sitting)
    return public_headers(render(request, "streaming/replay.html", context))


@require_GET
@domain_errors
def replay_video(request: HttpRequest, sitting_id: int) -> HttpResponseBase:
    replay = _ready_replay(request, sitting_id)
    return ranged_file(request, replay_file(replay), "video/mp4", etag=replay.sha256)


@require_GET
@domain_errors
def replay_chapters(request: HttpRequest, sitting_id: int) -> HttpResponse:
    replay = _ready_replay(request, sitting_id)
    text = chapters_file(replay).read_text(encoding="utf-8")
    return HttpResponse(text, content_type="text/vtt; charset=utf-8")


# Whisper base (the `[model]` extra) on espeak-ng's French, by bench/transcript_wer.py.
BUNDLED_WER = 0.31


def accessibility(sitting: Sitting) -> dict[str, Any]:
    """What the replay page's accessibility statement says besides the page's own facts
    (R34): the transcription's measured word error rate, as a percentage (None when the
    configured model's was not given), and the assembly's contact for an accessible
    version."""
    configured = str(getattr(settings, "SEANCE_TRANSCRIPT_WER", "") or "")
    try:
        wer: float | None = float(configured) if configured else None
    except ValueError:
        wer = None
    if wer is None and not getattr(settings, "SEANCE_TRANSCRIPT_MODEL", ""):
        wer = BUNDLED_WER
    return {
        "wer": None if wer is None or not 0 <= wer <= 1 else round(wer * 100),
        "email": sitting.assembly.contact_email,
        "address": sitting.assembly.address,
    }
