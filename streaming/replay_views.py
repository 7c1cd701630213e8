"""The public replay of a sitting (R34): the page, the MP4 (with HTTP Range) and its
chapters. Access is the public archive's; a replay never holds closed-session content,
it was cut out when the replay was built."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sessions.access import Role, access_sitting
from sessions.models import Sitting
from sessions.views.errors import domain_errors
from sessions.views.public import public_headers

from .models import CutSpan, Replay
from .replay import chapters_file, cut_seconds, replay_file, replay_for

CHUNK = 1 << 16
RANGE = re.compile(r"^bytes=([0-9]{0,19})-([0-9]{0,19})$")  # ASCII digits only, bounded


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
    context |= transcript_context(request, sitting, replay)  # streaming.transcript
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


def accessibility(sitting: Sitting) -> dict:
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


def transcript_context(request: HttpRequest, sitting: Sitting, replay: Replay) -> dict:
    from .transcript.views import transcript_context as context

    return context(request, sitting, replay)


def clock(seconds: float) -> str:
    """`h:mm:ss`, or `m:ss` under an hour."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def ranged_file(
    request: HttpRequest, path: Path, content_type: str, etag: str = ""
) -> HttpResponseBase:
    """The file, or the one byte range asked for (206), or 416 for a range not in it."""
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    if not header:
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type=content_type)
    else:
        span = parse_range(header, size)
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = span
        response = StreamingHttpResponse(
            _read(path, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if etag:
        response["ETag"] = f'"{etag}"'
    return response


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of a single `bytes=` range, or None if unsatisfiable."""
    found = RANGE.match(header.strip())
    if not found or size == 0:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        n = int(last)
        return (size - n, size - 1) if 0 < n <= size else (0, size - 1) if n > 0 else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        while length > 0:
            block = f.read(min(CHUNK, length))
            if not block:
                break
            length -= len(block)
            yield block
