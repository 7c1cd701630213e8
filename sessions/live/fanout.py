"""The live fan-out: after each commit, the event with fresh snapshots to the sitting's
three audiences: the full one to the desk (chair, clerk, roll keepers), the seats' one to
the members, the public one to the public page (without the event's data in closed
session, R25). Each snapshot is built once, outside the service's transaction; an event
whose change is small and known goes first as that change (PATCHES)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from council import domain_events as de
from council.domain_events import attached, subscribe
from council.events import frame_text

from ..models import Sitting
from ..realtime import desk_group, private_group, public_group
from . import ballots, public_feed
from .snapshots import Snapshots, snapshots, vote_patches

# Every event of the sitting that its pages follow with a snapshot (the ballots follow
# with a count: sessions.live.ballots).
WITH_SNAPSHOTS: tuple[type[de.DomainEvent], ...] = (
    de.SittingConvened,
    de.SecretaryNamed,
    de.SittingOpened,
    de.SittingSuspended,
    de.SittingResumed,
    de.SittingClosed,
    de.SittingAdjourned,
    de.ItemTakenUp,
    de.UrgencyDecided,
    de.ClosedSessionEntered,
    de.ClosedSessionRejected,
    de.ClosedSessionLeft,
    de.AttendanceChanged,
    de.ProxyChanged,
    de.InterestChanged,
    de.CalledToOrder,
    de.MemberExpelled,
    de.HandRaised,
    de.HandLowered,
    de.FloorGiven,
    de.FloorEnded,
    de.ItemPostponed,
    de.SecretBallotRequested,
    de.SecretWaiverDecided,
    de.VoteOpened,
    de.VoteClosed,
)


def connect() -> None:
    """Subscribe the live pages to the domain events (from SittingsConfig.ready)."""
    for event_class in WITH_SNAPSHOTS:
        subscribe(event_class, sitting_changed)
    subscribe(de.BallotCast, ballots.ballot_cast)
    subscribe(de.VoteClosed, ballots.vote_closed)  # after its snapshot


# Events whose change to the snapshots is small and known (sessions.live.snapshots): their
# frame carries it as a patch, sent before the snapshots are built; the whole snapshots
# follow as a "sittings.snapshot" frame, as on a connection (the truth again for a page
# that missed a frame, and the newest frame of the nchan channel for a citizen arriving).
PATCHES: dict[type[de.DomainEvent], Callable[[Sitting], Snapshots]] = {
    de.VoteClosed: vote_patches,
}
SNAPSHOT_WIRE = "sittings.snapshot"


def sitting_changed(event: de.DomainEvent) -> None:
    """The event and the committed state, to the desk, the seats and the public."""
    sitting = Sitting.objects.select_related("assembly", "chair", "secretary").get(
        pk=event.sitting_id
    )
    data = event.data()
    public_data = {} if sitting.in_closed_session else data
    audiences: tuple[dict[str, Any], ...] | None = (data, data, public_data)
    patch = PATCHES.get(type(event))
    wire = event.wire
    if patch is not None:  # the change at once, the snapshots after it
        _send(sitting.id, wire, audiences, "patch", patch(sitting))
        wire, audiences = SNAPSHOT_WIRE, None
    _send(sitting.id, wire, audiences, "state", snapshots(sitting, attached(event, "facts")))


def _send(
    sitting_id: int,
    wire: str,
    data: tuple[dict[str, Any], ...] | None,
    key: str,
    parts: Snapshots,
) -> None:
    """One frame to each audience: its part under `key`, with its `data` if given."""
    groups = (desk_group(sitting_id), private_group(sitting_id), public_group(sitting_id))
    payloads: list[dict[str, Any]] = [
        {key: part} for part in (parts.desk, parts.seats, parts.public)
    ]
    if data is not None:
        for payload, audience_data in zip(payloads, data, strict=True):
            payload["data"] = audience_data
    texts = [(group, frame_text(wire, p)) for group, p in zip(groups, payloads, strict=True)]
    # Through nginx too, if set: handed to its publishing thread first, so that nginx
    # pushes it to the citizens while the sends to the groups go to Redis.
    public_feed.publish_state(sitting_id, texts[2][1], whole=key == "state")
    async_to_sync(_send_all)(texts)


async def _send_all(texts: list[tuple[str, str]]) -> None:
    """The three sends in order, in one trip to the server's loop."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, text in texts:
        await layer.group_send(group, {"type": "relay.event", "text": text})
