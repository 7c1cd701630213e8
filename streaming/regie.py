"""What the régie tells the technician, from what the web side asked (`programme`) and
what the runner reports it has applied (`health`): the programme's state in words (a
slate, a suspension, a closed session and the camera it holds, protected speech, the
remote speaker in picture in picture, the close), each camera's place (on air, held
under a slate, in picture) and, for a camera on its own slate, why (R25, R33)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sessions.models import Sitting

from .hls import per_viewer_hour
from .lease import runner_gone
from .models import Broadcast, Camera, CutSpan, Replay
from .programme.state import SLATES
from .selectors import replay_of

# A runner reports every second: a report older than this says it is not keeping up.
STALE_AFTER = 5.0


def slate_text(key: str | None) -> str:
    return SLATES[key].text if key in SLATES else ""


def shown_state(broadcast: Broadcast) -> tuple[str, str]:
    """The broadcast's state and its label, "lost" when it should run and its runner is
    gone (streaming.lease): never "Live" from a heartbeat that has stopped."""
    if broadcast.state in Broadcast.RUNNING and runner_gone(broadcast):
        return "lost", _("Interrupted: no broadcast worker runs it")
    return broadcast.state, str(broadcast.get_state_display())


def sobriety(broadcast: Broadcast) -> list[dict[str, Any]]:
    """Bytes per viewer-hour of each rendition, from the segments the runner's last run
    published (its health's tally, streaming.hls.SegmentTally)."""
    tally = (broadcast.health or {}).get("segments") or {}
    return [
        {"rendition": name, "bytes_per_hour": rate, "megabytes": rate / 1e6}
        for name, rate in per_viewer_hour(tally)
    ]


def regie_status(
    broadcast: Broadcast, sitting: Sitting, cameras: list[Camera], state: str
) -> dict[str, Any]:
    """The programme's state and each camera's, for the régie's script (JSON)."""
    running = state in Broadcast.RUNNING
    applied = (broadcast.health or {}).get("state") if running else None
    return {
        "rev": int(broadcast.programme.get("rev") or 0),
        "applied_rev": int((broadcast.health or {}).get("rev") or 0) if running else 0,
        "report_age": report_age(broadcast) if running else None,
        "programme_state": programme_state(broadcast, sitting, cameras, state, applied),
        "cameras": camera_states(broadcast, cameras, state, applied),
    }


def report_age(broadcast: Broadcast) -> float | None:
    if broadcast.heartbeat_at is None:
        return None
    return round((timezone.now() - broadcast.heartbeat_at).total_seconds(), 1)


def camera_name(cameras: list[Camera], index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(cameras):
        return cameras[index].name
    return _("the remote speaker") if isinstance(index, int) else ""


def programme_state(
    broadcast: Broadcast,
    sitting: Sitting,
    cameras: list[Camera],
    state: str,
    applied: dict[str, Any] | None,
) -> dict[str, Any]:
    """{"kind", "title", "lines"}: what goes out, and what the public sees."""
    p = broadcast.programme
    if state == "lost":
        return _said("lost", _("Nothing goes out: no broadcast worker runs the programme."))
    if state not in Broadcast.RUNNING:
        if sitting.state == Sitting.State.CLOSED:
            ended = _("Sitting closed: the broadcast has ended.")
            return _said("ended", ended, replay_line(sitting))
        return _said("idle", _("The broadcast is not running."), idle_line(sitting, cameras))
    held = camera_name(cameras, (applied or p).get("cut"))
    slate = slate_text(p.get("slate"))
    if p.get("closing"):
        title = _("Sitting closed: the slate “%(slate)s” is on air, then the broadcast ends.")
        said = _said("closing", title % {"slate": slate}, replay_line(sitting))
    elif sitting.in_closed_session:
        title = _("Closed session: the public sees the slate “%(slate)s”, without sound.")
        line = _("Camera held under the slate: %(camera)s (nothing of it goes out).")
        said = _said("closed_session", title % {"slate": slate}, line % {"camera": held})
    elif sitting.state == Sitting.State.SUSPENDED:
        title = _("Sitting suspended: the public sees the slate “%(slate)s”, without sound.")
        line = _("Camera held under the slate: %(camera)s.")
        said = _said("suspended", title % {"slate": slate}, line % {"camera": held})
    elif slate:
        title = _("Slate on air: “%(slate)s”, without sound.")
        line = _("Camera held under the slate: %(camera)s.")
        said = _said("slate", title % {"slate": slate}, line % {"camera": held})
    elif applied is None:
        said = _said("starting", _("The programme is starting: no report from it yet."))
    else:
        said = _said("live", _("On air: %(camera)s.") % {"camera": held})
    said["lines"] += extra_lines(broadcast, cameras, applied)
    return said


def idle_line(sitting: Sitting, cameras: list[Camera]) -> str:
    """What the technician can do about a broadcast that is not running (the régie's
    empty state): the public page shows no picture until it starts."""
    if sitting.state == Sitting.State.DRAFT:
        return _("The sitting is not convened yet: its broadcast can start once it is.")
    if not cameras:
        return ""  # the page says to add cameras to the registry
    said = ngettext(
        "Nothing goes out: “Start the broadcast” puts the room's camera on the programme,"
        " under the slate the sitting calls for; its preview shows here.",
        "Nothing goes out: “Start the broadcast” puts the room's %(n)s cameras on the"
        " programme, under the slate the sitting calls for; their previews show here.",
        len(cameras),
    )
    return said % {"n": len(cameras)}


def _said(kind: str, title: str, *lines: str) -> dict[str, Any]:
    return {"kind": kind, "title": title, "lines": [line for line in lines if line]}


def extra_lines(
    broadcast: Broadcast, cameras: list[Camera], applied: dict[str, Any] | None
) -> list[str]:
    """Protected speech (R33), the picture in picture, a late report."""
    p, lines = broadcast.programme, []
    if p.get("muted"):
        span = broadcast.cut_spans.filter(kind=CutSpan.Kind.PROTECTED, ended_at=None).first()
        since = time_format(timezone.localtime(span.started_at), "H:i") if span else "—"
        reason = span.reason if span and span.reason else _("no reason given")
        text = _("Protected speech: the sound is cut since %(time)s (%(reason)s).")
        lines.append(text % {"time": since, "reason": reason})
    pip = p.get("pip")
    if pip is not None and p.get("remote_pip"):
        name = (p.get("lower_third") or {}).get("name") or _("the remote speaker")
        lines.append(_("Remote speaker in picture in picture: %(name)s.") % {"name": name})
    elif pip is not None:
        text = _("Picture in picture: %(camera)s.")
        lines.append(text % {"camera": camera_name(cameras, pip)})
    age = report_age(broadcast)
    if applied is not None and age is not None and age > STALE_AFTER:
        text = _("No report from the broadcast worker for %(seconds)s s.")
        lines.append(text % {"seconds": int(age)})
    return lines


def replay_line(sitting: Sitting) -> str:
    replay = replay_of(sitting)
    if replay is None or replay.state == Replay.State.PENDING:
        return _("Replay: being prepared.")
    if replay.state == Replay.State.READY:
        return _("Replay: ready.")
    return _("Replay: failed (%(error)s).") % {"error": replay.error[:200]}


def camera_states(
    broadcast: Broadcast, cameras: list[Camera], state: str, applied: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Each camera: asked for, on air, held under a slate, in picture; and on its own
    slate, why."""
    inputs = (broadcast.health or {}).get("inputs") or []
    p = broadcast.programme
    slate = (applied or {}).get("slate")
    cut = (applied or {}).get("cut")
    out = []
    for index, camera in enumerate(cameras):
        source = inputs[index] if index < len(inputs) and applied is not None else None
        out.append(
            {
                "index": index,
                "name": camera.name,
                "asked": state in Broadcast.RUNNING and p.get("cut") == index,
                "on_air": applied is not None and cut == index and not slate,
                "held": applied is not None and cut == index and bool(slate),
                "in_pip": applied is not None and applied.get("pip") == index,
                "feed": None if source is None else source.get("state"),
                "reason": slate_reason(source, state),
            }
        )
    return out


def slate_reason(source: dict[str, Any] | None, state: str) -> str:
    """Why a camera shows its own "picture unavailable" slate, in the technician's words."""
    if state == "lost":
        return _("Interrupted: the broadcast worker is gone (its lease has lapsed).")
    if source is None or source.get("state") == "live":
        return ""
    camera = source.get("camera") or {}
    if not camera.get("running"):  # its ffmpeg gave up on a silent feed, and starts again
        attempt = int(camera.get("starts") or 0) + 1
        return _("No signal: reconnecting to the camera (attempt %(n)s).") % {"n": attempt}
    silent = source.get("camera_silent_for")
    if silent is None:
        return _("No signal: nothing received from the camera yet.")
    seconds = int(silent)
    return ngettext("No signal for %(n)s second.", "No signal for %(n)s seconds.", seconds) % {
        "n": seconds
    }
