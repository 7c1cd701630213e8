"""The stage model of the councillors' video: who is seen, and how large.

A council of sixty cannot send every councillor's picture to every councillor. The chair
and whoever has the floor are on the stage, in full; a bounded number of others are
thumbnails, on the smallest simulcast layer; everyone else is heard and not seen until
given the floor. Remote rooms of an intercommunality come first among the thumbnails:
several councillors sit in each.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Layer(enum.IntEnum):
    """What a receiver gets of a publisher's video; the value is Janus's substream."""

    NONE = -1
    THUMBNAIL = 0
    STAGE = 2


@dataclass(frozen=True)
class Seat:
    """A publisher as the stage sees it, in the order they joined."""

    id: str
    member: int  # 0 for a remote room
    chair: bool


def stage_layers(
    seats: Iterable[Seat], *, speaker: int | None, thumbnails: int
) -> dict[str, Layer]:
    """Each publisher's layer, the same for every receiver."""
    seats = list(seats)
    layers = {seat.id: Layer.NONE for seat in seats}
    for seat in seats:
        if seat.chair or (speaker is not None and seat.member == speaker):
            layers[seat.id] = Layer.STAGE
    rooms_first = sorted(seats, key=lambda seat: seat.member != 0)  # stable: join order kept
    for seat in [seat for seat in rooms_first if layers[seat.id] is Layer.NONE][:thumbnails]:
        layers[seat.id] = Layer.THUMBNAIL
    return layers
