"""The automatic direction: the programme follows the sitting (R25, R33), one handler per
domain event (council.domain_events), each after the sitting's commit and in a
transaction of its own, under the broadcast's row lock.

The slate on a suspension or a closed session, lifted on the resumption; the speaker's
camera shot or lower third when the floor is given, in the corner when they speak by
video; the item's line updated; at the close, the "Séance levée" slate, or the playlists
ended and the replay scheduled when no runner holds the broadcast. A runner taking over
starts from the programme as it is now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from council import domain_events as de
from council.domain_events import subscribe
from council.models import Member
from sessions.models import Sitting

from .broadcast import next_rev
from .lease import runner_gone
from .models import Broadcast, CutSpan
from .services import (  # the direction's helpers stay beside the web side's commands
    closed_without_runner,
    closing_programme,
    connected_by_video,
    item_line,
    replay_pending,
    span_close,
    span_open,
    speaker_lower_third,
    speaker_shot,
)

Change = Callable[[Broadcast, Sitting, dict[str, Any]], None]


def connect() -> None:
    """Subscribe the direction to the sitting's events (from StreamingConfig.ready)."""
    subscribe(de.SittingOpened, slate_lifted)
    subscribe(de.SittingResumed, slate_lifted)
    subscribe(de.ClosedSessionLeft, slate_lifted)
    subscribe(de.SittingSuspended, suspended)
    subscribe(de.ClosedSessionEntered, closed_session_entered)
    subscribe(de.FloorGiven, floor_given)
    subscribe(de.FloorEnded, floor_ended)
    subscribe(de.ItemTakenUp, item_taken_up)
    subscribe(de.SittingClosed, sitting_closed)


def _direct(sitting_id: int, change: Change) -> None:
    """Apply `change` to the programme of the sitting's running broadcast, if any."""
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(sitting_id=sitting_id).first()
        if broadcast is None or broadcast.state not in Broadcast.RUNNING:
            return
        sitting = Sitting.objects.select_related("current_item").get(pk=sitting_id)
        programme = broadcast.programme
        change(broadcast, sitting, programme)
        programme["rev"] = next_rev(programme)
        broadcast.programme = programme
        broadcast.save(update_fields=["programme", "state", "updated_at"])


def slate_lifted(event: de.SittingOpened | de.SittingResumed | de.ClosedSessionLeft) -> None:
    def change(broadcast: Broadcast, sitting: Sitting, programme: dict[str, Any]) -> None:
        span_close(broadcast, CutSpan.Kind.SUSPENDED)
        span_close(broadcast, CutSpan.Kind.CLOSED_SESSION)
        programme["slate"] = None

    _direct(event.sitting_id, change)


def suspended(event: de.SittingSuspended) -> None:
    def change(broadcast: Broadcast, sitting: Sitting, programme: dict[str, Any]) -> None:
        span_open(broadcast, CutSpan.Kind.SUSPENDED)
        programme.update(slate="suspended", shot=None, lower_third=None, cut=0)

    _direct(event.sitting_id, change)


def closed_session_entered(event: de.ClosedSessionEntered) -> None:
    """R25: the public sees the closed-session slate, and hears nothing."""

    def change(broadcast: Broadcast, sitting: Sitting, programme: dict[str, Any]) -> None:
        span_open(broadcast, CutSpan.Kind.CLOSED_SESSION)
        programme.update(slate="closed_session", shot=None, lower_third=None, cut=0)

    _direct(event.sitting_id, change)


def floor_given(event: de.FloorGiven) -> None:
    """The speaker's preset shot (the lower third once the camera is there), else their
    lower third at once; a speaker by video in the corner, heard."""

    def change(broadcast: Broadcast, sitting: Sitting, programme: dict[str, Any]) -> None:
        member = Member.objects.get(pk=event.member)
        lower_third = speaker_lower_third(sitting, member)
        shot = speaker_shot(sitting, member) if programme.get("auto", True) else None
        remote = broadcast.remote_input
        seen_remotely = shot is None and remote and programme.get("auto", True)
        if seen_remotely and connected_by_video(sitting, member):
            programme.update(pip=remote["index"], remote_pip=True)
        if shot is None:
            programme["lower_third"] = lower_third
            return
        programme["shots"] = programme.get("shots", 0) + 1
        camera, slot = shot
        programme["shot"] = {
            "id": programme["shots"],
            "camera": camera,
            "slot": slot,
            "lower_third": lower_third,
        }

    _direct(event.sitting_id, change)


def floor_ended(event: de.FloorEnded) -> None:
    def change(broadcast: Broadcast, sitting: Sitting, programme: dict[str, Any]) -> None:
        programme.update(lower_third=None, shot=None)
        if programme.pop("remote_pip", False):
            programme["pip"] = None
        if programme.get("auto", True):
            programme["cut"] = 0

    _direct(event.sitting_id, change)


def item_taken_up(event: de.ItemTakenUp) -> None:
    def change(broadcast: Broadcast, sitting: Sitting, programme: dict[str, Any]) -> None:
        lower_third = programme.get("lower_third")
        if lower_third:
            lower_third["item"] = item_line(sitting)

    _direct(event.sitting_id, change)


def sitting_closed(event: de.SittingClosed) -> None:
    """The close: the closing slate on a running broadcast; without a runner (stopped by
    hand, or its worker gone), the playlists ended and the replay built here."""
    with transaction.atomic():
        broadcast = (
            Broadcast.objects.select_for_update().filter(sitting_id=event.sitting_id).first()
        )
        if broadcast is None:
            return
        sitting = Sitting.objects.select_related("current_item").get(pk=event.sitting_id)
        if broadcast.state not in Broadcast.RUNNING or runner_gone(broadcast):
            closed_without_runner(broadcast, sitting)
            return
        for kind in CutSpan.Kind.values:
            span_close(broadcast, kind)
        programme = broadcast.programme
        programme.update(closing_programme())
        replay_pending(sitting)
        programme["rev"] = next_rev(programme)
        broadcast.programme = programme
        broadcast.save(update_fields=["programme", "state", "updated_at"])
