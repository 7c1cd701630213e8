"""The replay's captions (WebVTT), its captioned download, the transcript beside the video,
and the transcription's progress for the clerk (R34). The captions and the transcript are
public like the replay: what was cut from the replay was never transcribed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from council.errors import DomainError, NotFound
from council.words import clock
from sessions.access import Role, access_sitting, can
from sessions.models import Sitting
from sessions.views.errors import domain_errors
from streaming.errors import Code

from ..models import Replay, Transcript
from ..ranged import ranged_file
from ..selectors import replay_for
from .captions import captioned_file, captions_vtt, transcript_chapters
from .job import model_available, transcript_schedule
from .minutes import item_transcript


def ready_transcript(replay: Replay | None) -> Transcript | None:
    """The replay's transcript, if it is done for the replay as it is now published."""
    if replay is None:
        return None
    transcript = Transcript.objects.filter(replay=replay, state=Transcript.State.READY).first()
    if transcript is None or transcript.replay_sha256 != replay.sha256:
        return None
    return transcript


def _published(request: HttpRequest, sitting_id: int) -> Transcript:
    sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
    transcript = ready_transcript(replay_for(sitting))
    if transcript is None:
        raise Http404(_("The captions of this replay are not yet available."))
    return transcript


def transcript_context(request: HttpRequest, sitting: Sitting, replay: Replay) -> dict[str, Any]:
    """What the replay page shows of the transcript: the chapters with their segments, and
    for the clerk the job's progress."""
    transcript = ready_transcript(replay)
    chapters = []
    if transcript is not None:
        for chapter in transcript_chapters(transcript):
            segments = [
                {"segment": s, "second": round(s.start, 2), "clock": clock(s.start)}
                for s in chapter["segments"]
            ]
            chapters.append({"title": chapter["title"], "segments": segments})
    return {
        "transcript": transcript,
        "transcript_chapters": chapters,
        "transcript_clerk": can(request.user, sitting, Role.CLERK),
    }


@require_GET
@domain_errors
def replay_captions(request: HttpRequest, sitting_id: int) -> HttpResponse:
    transcript = _published(request, sitting_id)
    return HttpResponse(captions_vtt(transcript), content_type="text/vtt; charset=utf-8")


@require_GET
@domain_errors
def replay_captioned(request: HttpRequest, sitting_id: int) -> HttpResponseBase:
    transcript = _published(request, sitting_id)
    path = captioned_file(transcript)
    if not transcript.captioned_sha256 or not path.is_file():
        raise Http404(_("The captions of this replay are not yet available."))
    return ranged_file(request, path, "video/mp4", etag=transcript.captioned_sha256)


@require_GET
@domain_errors
def transcript_progress(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The clerk's view of the transcription: state, percentage and time left."""
    sitting = access_sitting(request.user, sitting_id, Role.CLERK)
    replay = Replay.objects.filter(sitting=sitting).first()
    transcript = Transcript.objects.filter(replay=replay).first() if replay else None
    left = transcript.seconds_left if transcript else None
    context = {
        "sitting": sitting,
        "replay": replay,
        "transcript": transcript,
        "left": None if left is None else clock(left),
        "model_available": model_available(),
        "refresh": transcript is not None
        and transcript.state in (Transcript.State.PENDING, Transcript.State.RUNNING),
    }
    return render(request, "streaming/transcript_progress.html", context)


@require_POST
@domain_errors
def transcript_restart(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The clerk asks again for a transcript that failed (or was never made)."""
    sitting = access_sitting(request.user, sitting_id, Role.CLERK)
    replay = replay_for(sitting)
    if replay is None:
        raise Http404(_("There is no replay of this sitting yet."))
    if transcript_schedule(replay=replay) is None:
        messages.error(request, _("No speech-to-text model is installed."))
    else:
        messages.success(request, _("The transcription is queued."))
    return redirect("replay-transcript-progress", sitting_id=sitting.pk)


@require_GET
def minutes_item_transcript(request: HttpRequest, sitting_id: int, item_id: int) -> JsonResponse:
    """For the minutes' editor (R28-R29): one item's transcript by speaker, as JSON, to
    whoever may edit the minutes; a refusal is JSON too, with its French message."""
    try:
        sitting = access_sitting(request.user, sitting_id, Role.MINUTES)
        item = sitting.items.filter(pk=item_id).first()
        if item is None:
            raise NotFound(_("This item is not on this sitting's agenda."), code=Code.INVALID_ITEM)
    except DomainError as err:
        return JsonResponse(err.as_dict(), status=err.status)
    found = item_transcript(sitting=sitting, item=item).as_dict()
    answer = JsonResponse({**found, "replay": reverse("replay", args=[sitting.pk])})
    answer["Cache-Control"] = "private, no-store"
    return answer
