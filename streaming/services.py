"""The broadcast of a sitting as the web side drives it: start and stop, the technician's
commands, and the automatic direction that follows the sitting (R25, R33).

The web side never talks to ffmpeg. It writes what the programme must show into
`Broadcast.programme`, under the row lock; the broadcast runner (streaming.runner, in a
Celery worker) applies the difference to the mixer within a quarter of a second, and a
restarted mixer starts from it. A camera move asked for by the direction is a `shot`
request that the runner carries out (recall the preset, wait for the camera to settle,
then cut)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from council.celery import app
from council.models import Member
from sessions.errors import Conflict, InvalidInput
from sessions.models import AttendanceEvent, MediaConnection, Sitting
from sessions.realtime import sitting_event
from sessions.selectors import presence
from sessions.services.common import User, log

from .hls import end_playlists, hls_dir, recording_dir
from .lease import runner_gone
from .models import Broadcast, Camera, CameraPreset, CutSpan, Replay
from .programme.state import SLATES

RUN_TASK = "streaming.tasks.run_broadcast"


def cameras_of(sitting: Sitting) -> list[Camera]:
    """The programme's inputs, in their order: input n is the n-th camera of the room."""
    return list(Camera.objects.filter(room_id=sitting.place_id).order_by("position", "name"))


def initial_programme(sitting: Sitting, previous: dict[str, Any]) -> dict[str, Any]:
    """What the programme shows when it starts: the slate that the sitting's state calls
    for, the wide shot, and the technician's choice of automatic direction kept."""
    return {
        "cut": 0,
        "pip": None,
        "lower_third": None,
        "slate": sitting_slate(sitting),
        "muted": False,
        "auto": previous.get("auto", True),
        "shot": None,
        "shots": previous.get("shots", 0),
        "rev": next_rev(previous),
    }


def sitting_slate(sitting: Sitting) -> str | None:
    if sitting.in_closed_session:
        return "closed_session"
    if sitting.state == Sitting.State.SUSPENDED:
        return "suspended"
    if sitting.state == Sitting.State.OPEN:
        return None
    return "before_start"


def locked_broadcast(sitting: Sitting) -> Broadcast:
    broadcast, _created = Broadcast.objects.get_or_create(sitting=sitting)
    return Broadcast.objects.select_for_update().get(pk=broadcast.pk)


def running_broadcast(sitting: Sitting) -> Broadcast:
    broadcast = locked_broadcast(sitting)
    if broadcast.state not in Broadcast.RUNNING:
        raise Conflict(_("The broadcast is not running."), code="broadcast_not_running")
    return broadcast


@transaction.atomic
def broadcast_start(*, sitting: Sitting, user: User) -> Broadcast:
    if sitting.state in (Sitting.State.DRAFT, Sitting.State.CLOSED):
        raise Conflict(
            _("Only a convened or running sitting can be broadcast."), code="sitting_not_live"
        )
    if not cameras_of(sitting):
        raise Conflict(
            _("The room %(room)s has no camera: add one in the camera registry.")
            % {"room": sitting.place},
            code="no_camera",
        )
    broadcast = locked_broadcast(sitting)
    if broadcast.state in Broadcast.RUNNING:
        raise Conflict(_("The broadcast is already running."), code="broadcast_running")
    broadcast.state = Broadcast.State.STARTING
    broadcast.programme = initial_programme(sitting, broadcast.programme)
    broadcast.worker = ""
    broadcast.last_error = ""
    broadcast.started_at = timezone.now()
    broadcast.heartbeat_at = None
    broadcast.save()
    log(sitting, "broadcast_started", user)
    dispatch(broadcast)
    return broadcast


def dispatch(broadcast: Broadcast) -> None:
    """Hand the broadcast to a worker of the broadcast queue once the transaction commits.
    `send_task` always goes through the broker, even with eager tasks: the supervisor is
    long-running and never runs inside a web request."""
    broadcast_id = broadcast.pk

    def send() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)  # on purpose, see above
            app.send_task(RUN_TASK, args=[broadcast_id], queue=settings.SEANCE_BROADCAST_QUEUE)

    transaction.on_commit(send)


@transaction.atomic
def broadcast_stop(*, sitting: Sitting, user: User) -> Broadcast:
    """The runner stops at its next tick; a broadcast whose runner is gone (no worker
    left) is stopped at once, there is nobody to ask."""
    broadcast = running_broadcast(sitting)
    gone = runner_gone(broadcast)
    broadcast.state = Broadcast.State.STOPPED if gone else Broadcast.State.STOPPING
    broadcast.save(update_fields=["state", "updated_at"])
    log(sitting, "broadcast_stopped", user)
    return broadcast


def _camera_index(sitting: Sitting, camera: Any) -> int:
    try:
        index = int(camera)
    except (TypeError, ValueError):
        raise InvalidInput(_("Choose a camera."), code="camera_invalid") from None
    if not 0 <= index < len(cameras_of(sitting)):
        raise InvalidInput(_("This room has no such camera."), code="camera_invalid")
    return index


def next_rev(programme: dict[str, Any]) -> int:
    """Every write of the programme numbers it: the runner reports the number it has
    applied (`health["rev"]`), so the régie knows when a command has reached the mixer."""
    return int(programme.get("rev") or 0) + 1


def _save_programme(broadcast: Broadcast, **changes: Any) -> Broadcast:
    programme = broadcast.programme
    broadcast.programme = {**programme, **changes, "rev": next_rev(programme)}
    broadcast.save(update_fields=["programme", "updated_at"])
    return broadcast


@transaction.atomic
def programme_cut(*, sitting: Sitting, user: User, camera: Any) -> Broadcast:
    """The technician's cut; it also cancels a move the direction was about to make."""
    broadcast = running_broadcast(sitting)
    return _save_programme(broadcast, cut=_camera_index(sitting, camera), shot=None)


@transaction.atomic
def programme_pip(*, sitting: Sitting, user: User, camera: Any) -> Broadcast:
    broadcast = running_broadcast(sitting)
    pip = None if camera in (None, "") else _camera_index(sitting, camera)
    return _save_programme(broadcast, pip=pip)


@transaction.atomic
def programme_lower_third(
    *, sitting: Sitting, user: User, name: str, role: str = "", item: str = ""
) -> Broadcast:
    """An empty name, role and item hide the lower third."""
    broadcast = running_broadcast(sitting)
    texts = {"name": name.strip(), "role": role.strip(), "item": item.strip()}
    if any(len(text) > 120 for text in texts.values()):
        raise InvalidInput(_("A lower third line has at most 120 characters."), code="too_long")
    return _save_programme(broadcast, lower_third=texts if any(texts.values()) else None)


@transaction.atomic
def programme_slate(*, sitting: Sitting, user: User, slate: str | None) -> Broadcast:
    """By hand, any slate; but the closed session's slate (R25) only ends with it."""
    broadcast = running_broadcast(sitting)
    if slate not in (None, "", *SLATES):
        raise InvalidInput(_("Unknown slate."), code="slate_invalid")
    if broadcast.programme.get("closing"):
        raise Conflict(
            _("The sitting is closed: its slate stays until the broadcast ends."),
            code="sitting_closed",
        )
    if Sitting.objects.get(pk=sitting.pk).in_closed_session and slate != "closed_session":
        raise Conflict(
            _("The sitting is in closed session: the broadcast stays interrupted (R25)."),
            code="closed_session",
        )
    return _save_programme(broadcast, slate=slate or None)


@transaction.atomic
def protected_speech(*, sitting: Sitting, user: User, on: bool, reason: str = "") -> Broadcast:
    """R33: the sound goes off the air at once and the span is cut from the replay."""
    broadcast = running_broadcast(sitting)
    if on:
        _open_span(broadcast, CutSpan.Kind.PROTECTED, user, reason[:200])
        log(sitting, "protected_speech_started", user, reason=reason[:200])
    else:
        _close_span(broadcast, CutSpan.Kind.PROTECTED)
        log(sitting, "protected_speech_ended", user)
    return _save_programme(broadcast, muted=on)


@transaction.atomic
def direction_auto(*, sitting: Sitting, user: User, on: bool) -> Broadcast:
    """The technician takes the cameras over by hand (off) or gives them back (on)."""
    broadcast = locked_broadcast(sitting)
    return _save_programme(broadcast, auto=on, **({} if on else {"shot": None}))


def _open_span(broadcast: Broadcast, kind: str, user: User = None, reason: str = "") -> None:
    if not broadcast.cut_spans.filter(kind=kind, ended_at__isnull=True).exists():
        CutSpan.objects.create(
            broadcast=broadcast,
            kind=kind,
            started_at=timezone.now(),
            reason=reason,
            user=user if getattr(user, "is_authenticated", False) else None,  # type: ignore[misc]
        )


def _close_span(broadcast: Broadcast, kind: str) -> None:
    broadcast.cut_spans.filter(kind=kind, ended_at__isnull=True).update(ended_at=timezone.now())


# The automatic direction: what each event of the sitting does to the programme.


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


def follow(broadcast: Broadcast, sitting: Sitting, event: str, data: dict[str, Any]) -> None:
    programme = broadcast.programme
    if event in ("opened", "resumed", "closed_session_left"):
        _close_span(broadcast, CutSpan.Kind.SUSPENDED)
        _close_span(broadcast, CutSpan.Kind.CLOSED_SESSION)
        programme["slate"] = None
    elif event == "suspended":
        _open_span(broadcast, CutSpan.Kind.SUSPENDED)
        programme.update(slate="suspended", shot=None, lower_third=None, cut=0)
    elif event == "closed_session_entered":
        _open_span(broadcast, CutSpan.Kind.CLOSED_SESSION)
        programme.update(slate="closed_session", shot=None, lower_third=None, cut=0)
    elif event == "floor_given":
        member = Member.objects.get(pk=data["member"])
        lower_third = speaker_lower_third(sitting, member)
        shot = speaker_shot(sitting, member) if programme.get("auto", True) else None
        remote = broadcast.remote_input
        seen_remotely = shot is None and remote and programme.get("auto", True)
        if seen_remotely and connected_by_video(sitting, member):  # in the corner, heard
            programme.update(pip=remote["index"], remote_pip=True)
        if shot is None:
            programme["lower_third"] = lower_third
        else:
            programme["shots"] = programme.get("shots", 0) + 1
            camera, slot = shot
            programme["shot"] = {
                "id": programme["shots"],
                "camera": camera,
                "slot": slot,
                "lower_third": lower_third,
            }
    elif event == "floor_ended":
        programme.update(lower_third=None, shot=None)
        if programme.pop("remote_pip", False):
            programme["pip"] = None
        if programme.get("auto", True):
            programme["cut"] = 0
    elif event == "item_taken_up":
        lower_third = programme.get("lower_third")
        if lower_third:
            lower_third["item"] = item_line(sitting)
    elif event == "closed":
        for kind in CutSpan.Kind.values:
            _close_span(broadcast, kind)
        programme.update(closing_programme())
        replay_pending(sitting)
    else:
        return
    programme["rev"] = next_rev(programme)
    broadcast.programme = programme
    broadcast.save(update_fields=["programme", "state", "updated_at"])


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
    from .tasks import build_replay  # the tasks import this module
    from .transcript.job import transcripts_detached

    def send() -> None:
        with transcripts_detached():  # eager tasks: the transcription gets its own thread
            build_replay.delay(sitting_id)

    transaction.on_commit(send)


def closed_without_runner(broadcast: Broadcast, sitting: Sitting) -> None:
    """A sitting closed while no runner holds its broadcast (stopped by hand before, or its
    worker gone): the playlists are ended here and the recording made the replay."""
    if broadcast.state in Broadcast.RUNNING:
        broadcast.state = Broadcast.State.STOPPED
        broadcast.save(update_fields=["state", "updated_at"])
        end_playlists(hls_dir(sitting.pk))
    for kind in CutSpan.Kind.values:
        _close_span(broadcast, kind)
    if recording_parts_exist(sitting.pk):
        replay_pending(sitting)
        replay_schedule(sitting.pk)


def recording_parts_exist(sitting_id: int) -> bool:
    return any(recording_dir(sitting_id).glob("part-*.ts"))


@receiver(sitting_event, dispatch_uid="streaming.follow_sitting")
def follow_sitting(
    sender: Any, sitting: Sitting, event: str, data: dict[str, Any], **_: Any
) -> None:
    """Inside the sitting service's transaction: the programme changes with the sitting."""
    broadcast = Broadcast.objects.select_for_update().filter(sitting_id=sitting.pk).first()
    if broadcast is None:
        return
    fresh = Sitting.objects.select_related("current_item").get(pk=sitting.pk)
    running = broadcast.state in Broadcast.RUNNING
    if event == "closed" and (not running or runner_gone(broadcast)):
        closed_without_runner(broadcast, fresh)
    elif running:  # a runner taking over starts from the programme as it is now
        follow(broadcast, fresh, event, data)
