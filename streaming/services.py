"""The programme of a sitting's broadcast as the web side drives it: the technician's
commands (start and stop are the broadcast's transitions, streaming.broadcast), the
runner's camera moves, and the helpers of the automatic direction that follows the
sitting (R25, R33; streaming.direction).

The web side never talks to ffmpeg. It writes what the programme must show into
`Broadcast.programme`, under the row lock; the broadcast runner (streaming.runner, in a
Celery worker) applies the difference to the mixer within a quarter of a second, and a
restarted mixer starts from it. A camera move asked for by the direction is a `shot`
request that the runner carries out (recall the preset, wait for the camera to settle,
then cut)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from council.models import Member
from sessions.models import AttendanceEvent, MediaConnection, Sitting
from sessions.selectors import presence
from sessions.services.common import User, log

# The régie's commands are all read from this module (streaming.control_views), start and
# stop included, though the broadcast's transitions live in streaming.broadcast.
from .broadcast import broadcast_locked, broadcast_running, broadcast_stopped_at_close, next_rev
from .broadcast import broadcast_start as broadcast_start
from .broadcast import broadcast_stop as broadcast_stop
from .errors import BroadcastInvalid, BroadcastRefused, Code
from .hls import end_playlists, hls_dir, recording_dir
from .jobs import replay_build_on_commit
from .models import Broadcast, Camera, CameraPreset, CutSpan, Replay
from .programme.state import SLATES
from .selectors import cameras_of


def _camera_index(sitting: Sitting, camera: Any) -> int:
    try:
        index = int(camera)
    except (TypeError, ValueError):
        raise BroadcastInvalid(Code.CAMERA_MISSING) from None
    if not 0 <= index < len(cameras_of(sitting)):
        raise BroadcastInvalid(Code.CAMERA_INVALID)
    return index


def _save_programme(broadcast: Broadcast, **changes: Any) -> Broadcast:
    programme = broadcast.programme
    broadcast.programme = {**programme, **changes, "rev": next_rev(programme)}
    broadcast.save(update_fields=["programme", "updated_at"])
    return broadcast


@transaction.atomic
def programme_cut(*, sitting: Sitting, user: User, camera: Any) -> Broadcast:
    """The technician's cut; it also cancels a move the direction was about to make."""
    broadcast = broadcast_running(sitting)
    return _save_programme(broadcast, cut=_camera_index(sitting, camera), shot=None)


@transaction.atomic
def programme_pip(*, sitting: Sitting, user: User, camera: Any) -> Broadcast:
    broadcast = broadcast_running(sitting)
    pip = None if camera in (None, "") else _camera_index(sitting, camera)
    return _save_programme(broadcast, pip=pip)


@transaction.atomic
def programme_lower_third(
    *, sitting: Sitting, user: User, name: str, role: str = "", item: str = ""
) -> Broadcast:
    """An empty name, role and item hide the lower third."""
    broadcast = broadcast_running(sitting)
    texts = {"name": name.strip(), "role": role.strip(), "item": item.strip()}
    if any(len(text) > 120 for text in texts.values()):
        raise BroadcastInvalid(Code.TOO_LONG)
    return _save_programme(broadcast, lower_third=texts if any(texts.values()) else None)


@transaction.atomic
def programme_slate(*, sitting: Sitting, user: User, slate: str | None) -> Broadcast:
    """By hand, any slate; but the closed session's slate (R25) only ends with it."""
    broadcast = broadcast_running(sitting)
    if slate not in (None, "", *SLATES):
        raise BroadcastInvalid(Code.SLATE_INVALID)
    if broadcast.programme.get("closing"):
        raise BroadcastRefused(Code.SITTING_CLOSED)
    if Sitting.objects.get(pk=sitting.pk).in_closed_session and slate != "closed_session":
        raise BroadcastRefused(Code.CLOSED_SESSION)
    return _save_programme(broadcast, slate=slate or None)


@transaction.atomic
def protected_speech(*, sitting: Sitting, user: User, on: bool, reason: str = "") -> Broadcast:
    """R33: the sound goes off the air at once and the span is cut from the replay."""
    broadcast = broadcast_running(sitting)
    if on:
        span_open(broadcast, CutSpan.Kind.PROTECTED, user, reason[:200])
        log(sitting, "protected_speech_started", user, reason=reason[:200])
    else:
        span_close(broadcast, CutSpan.Kind.PROTECTED)
        log(sitting, "protected_speech_ended", user)
    return _save_programme(broadcast, muted=on)


@transaction.atomic
def direction_auto(*, sitting: Sitting, user: User, on: bool) -> Broadcast:
    """The technician takes the cameras over by hand (off) or gives them back (on)."""
    broadcast = broadcast_locked(sitting)
    return _save_programme(broadcast, auto=on, **({} if on else {"shot": None}))


def _wanted_shot(broadcast_id: int, shot_id: int) -> Broadcast:
    """The broadcast under its row lock, if the direction's move `shot_id` is still wanted:
    a cut by hand or the floor ended cancels it."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast_id)
    shot = broadcast.programme.get("shot")
    if not shot or shot.get("id") != shot_id:
        raise BroadcastRefused(Code.SHOT_CANCELLED)
    return broadcast


@transaction.atomic
def shot_moving(*, broadcast_id: int, shot_id: int, cut: int) -> Broadcast:
    """While the speaker's camera moves, the programme shows another camera."""
    return _save_programme(_wanted_shot(broadcast_id, shot_id), cut=cut)


@transaction.atomic
def shot_done(
    *, broadcast_id: int, shot_id: int, cut: int, lower_third: dict[str, str] | None
) -> Broadcast:
    """The camera has settled on the speaker: cut to it, with their lower third."""
    broadcast = _wanted_shot(broadcast_id, shot_id)
    return _save_programme(broadcast, cut=cut, lower_third=lower_third, shot=None)


def span_open(broadcast: Broadcast, kind: str, user: User = None, reason: str = "") -> None:
    if not broadcast.cut_spans.filter(kind=kind, ended_at__isnull=True).exists():
        CutSpan.objects.create(
            broadcast=broadcast,
            kind=kind,
            started_at=timezone.now(),
            reason=reason,
            user=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
        )


def span_close(broadcast: Broadcast, kind: str) -> None:
    broadcast.cut_spans.filter(kind=kind, ended_at__isnull=True).update(ended_at=timezone.now())


# What the automatic direction (streaming.direction) puts on the programme.


def item_line(sitting: Sitting) -> str:
    item = sitting.current_item
    return f"{item.position}. {item.title}" if item else ""


def speaker_lower_third(sitting: Sitting, member: Member) -> dict[str, str]:
    """On screen in the language of the sitting's public, whatever the operator's."""
    with translation.override(settings.LANGUAGE_CODE):
        role = str(member.get_role_display())
    return {"name": member.full_name, "role": role, "item": item_line(sitting)}


def speaker_shot(sitting: Sitting, member: Member) -> tuple[int, int] | None:
    """The camera (its input number) and the preset that frame the member's seat, if the
    member sits in the chamber (not remote, not in a remote room)."""
    here = presence(sitting).get(member.id)
    if not member.seat or here is None or here.mode != AttendanceEvent.Mode.CHAMBER:
        return None
    cameras = cameras_of(sitting)
    preset = (
        CameraPreset.objects.filter(camera__in=cameras, seat=member.seat)
        .exclude(camera__protocol=Camera.Protocol.NONE)
        .select_related("camera")
        .first()
    )
    if preset is None:
        return None
    return cameras.index(preset.camera), preset.slot


@dataclass(frozen=True)
class RemoteTarget:
    host: str
    video_port: int
    audio_port: int
    index: int  # of the remote input among the programme's inputs


def remote_input_target(sitting_id: int) -> RemoteTarget | None:
    """Where the speaker who joined by video is forwarded into the programme, if the
    sitting is being broadcast with a remote input."""
    remote = (
        Broadcast.objects.filter(sitting_id=sitting_id, state__in=Broadcast.RUNNING)
        .values_list("remote_input", flat=True)
        .first()
    )
    if not remote or "video_port" not in remote:
        return None
    ports = (int(remote["video_port"]), int(remote["audio_port"]))
    return RemoteTarget(str(remote["host"]), *ports, index=int(remote["index"]))


def connected_by_video(sitting: Sitting, member: Member) -> bool:
    return MediaConnection.objects.filter(sitting=sitting, member=member, lost_at=None).exists()


def closing_programme() -> dict[str, Any]:
    """The close: the "Séance levée" slate (silent, as every slate) for
    SEANCE_CLOSING_SLATE_SECONDS, after which the runner ends the broadcast by itself:
    its playlists closed (EXT-X-ENDLIST), the replay built (streaming.runner)."""
    return {
        "slate": "closed",
        "lower_third": None,
        "pip": None,
        "remote_pip": False,
        "shot": None,
        "muted": False,
        "closing": {
            "at": timezone.now().isoformat(),
            "seconds": float(settings.SEANCE_CLOSING_SLATE_SECONDS),
        },
    }


def replay_pending(sitting: Sitting) -> None:
    """At the close: the replay is being prepared (the public record says so)."""
    replay, _created = Replay.objects.get_or_create(sitting=sitting)
    if replay.state == Replay.State.FAILED:
        replay.state = Replay.State.PENDING
        replay.save(update_fields=["state"])


def replay_schedule(sitting_id: int) -> None:
    """Build the closed sitting's replay (R34) in a worker, once the transaction commits."""
    replay_build_on_commit(sitting_id)


def closed_without_runner(broadcast: Broadcast, sitting: Sitting) -> None:
    """A sitting closed while no runner holds its broadcast (stopped by hand before, or its
    worker gone): the playlists are ended here and the recording made the replay."""
    if broadcast_stopped_at_close(broadcast):
        end_playlists(hls_dir(sitting.pk))
    for kind in CutSpan.Kind.values:
        span_close(broadcast, kind)
    if recording_parts_exist(sitting.pk):
        replay_pending(sitting)
        replay_schedule(sitting.pk)


def recording_parts_exist(sitting_id: int) -> bool:
    return any(recording_dir(sitting_id).glob("part-*.ts"))
