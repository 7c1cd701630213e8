"""What both media backends share: the participants of a sitting's meeting in this
process, the floor and the stage. The backends (relay.py, janus_room.py) move the media;
this decides who is heard and seen."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .stage import Layer, Seat, stage_layers

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
PROGRAMME_FEED = "programme"  # the room's programme, for remote participants


class NoProgramme(Exception):
    """The programme cannot be offered: no broadcast, or a backend without it."""


class InvalidOffer(ValueError):
    """A publisher's offer that carries no sound and no picture."""


MEDIA_LINE = re.compile(r"^m=(audio|video) [1-9]\d* ", re.M)


def offer_checked(sdp: str) -> str:
    """A publisher's offer must describe a camera or a microphone (`v=0` alone, which was
    once answered and taken for an arrival, is refused before any media server sees it)."""
    if not sdp.startswith("v=0") or not MEDIA_LINE.search(sdp.replace("\r\n", "\n")):
        raise InvalidOffer("no audio or video in the offer")
    return sdp


@dataclass(eq=False)
class Participant:
    id: str
    member_id: int  # 0 for a remote room, which joins through its agent
    name: str
    send: Send
    audio_only: bool = False
    chair: bool = False
    muted: bool = False
    unmute_asked: bool = False  # the chair asked; the councillor may open their microphone
    # The backend's connections: aiortc peer connections, or Janus handles.
    publisher: Any = None
    receivers: dict[str, Any] = field(default_factory=dict)  # by feed
    tracks: dict[str, Any] = field(default_factory=dict)  # the relay's received tracks
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    live: bool = False
    published: bool = False
    # Set by the backend when the participant's media reaches the server: ICE connected
    # and packets received (the relay's statistics, Janus's "media" event).
    media_flowing: asyncio.Event = field(default_factory=asyncio.Event)
    arrival: asyncio.Task[None] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "member": self.member_id,
            "name": self.name,
            "muted": self.muted,
            "audio_only": self.audio_only,
            "chair": self.chair,
        }

    def spawn(self, work: Awaitable[None]) -> None:
        """Work on this participant's media that must not hold up its websocket (which
        handles one message at a time, and may be the one to answer)."""
        task = asyncio.get_running_loop().create_task(_logged(work))
        self.tasks.append(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        if task in self.tasks:
            self.tasks.remove(task)

    def on_media(self, arrive: Callable[[], Awaitable[Any]]) -> None:
        """R26: `arrive` (the presence by video) runs once, when media flows from this
        participant, not when its offer is answered: an answer proves nothing."""

        async def once_flowing() -> None:
            await self.media_flowing.wait()
            await arrive()

        self.arrival = asyncio.get_running_loop().create_task(_logged(once_flowing()))

    async def settled(self) -> None:
        """Before the participant's presence is closed: an arrival still waiting for media
        is called off; one under way is let finish, so that the loss comes after it."""
        task, self.arrival = self.arrival, None
        if task is None:
            return
        if not self.media_flowing.is_set():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _logged(work: Awaitable[None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("video meeting")


class Meeting:
    """One sitting's meeting in this process: its participants, in the order they joined,
    and who has the floor."""

    simulcast = False  # whether publishers should send simulcast layers
    offers_programme = False  # whether the room's programme can be offered

    def __init__(self, sitting_id: int) -> None:
        self.sitting_id = sitting_id
        self.participants: dict[str, Participant] = {}
        self.speaker: int | None = None  # the member who has the floor

    def layers(self) -> dict[str, Layer]:
        seats = [
            Seat(p.id, p.member_id, p.chair) for p in self.participants.values() if p.published
        ]
        return stage_layers(
            seats, speaker=self.speaker, thumbnails=settings.SEANCE_VISIO_THUMBNAILS
        )

    def layer_for(self, receiver: Participant, publisher_id: str) -> Layer:
        if receiver.audio_only:
            return Layer.NONE
        return self.layers().get(publisher_id, Layer.NONE)

    def find_member(self, member_id: int) -> list[Participant]:
        return [p for p in self.participants.values() if p.member_id == member_id]

    async def announce(self) -> None:
        people = [p.describe() for p in self.participants.values()]
        layers = self.layers()
        for person in people:
            person["layer"] = layers.get(person["id"], Layer.NONE).name.lower()
        for participant in list(self.participants.values()):
            await participant.send(
                {"type": "participants", "participants": people, "speaker": self.speaker}
            )

    def starts_muted(self, participant: Participant, speaker: int | None) -> bool:
        """Whether a newcomer's microphone is closed on joining. A passive participant's
        microphone is closed, and the chair or the floor opens it: the chair's never is,
        nor the speaker's (rejoining with the floor). SEANCE_VISIO_START_MUTED_AFTER lets a
        meeting of fewer people (a committee) start with microphones open."""
        if participant.chair or (speaker is not None and participant.member_id == speaker):
            return False
        return len(self.participants) >= settings.SEANCE_VISIO_START_MUTED_AFTER

    async def seat(self, participant: Participant, speaker: int | None) -> None:
        """After a join: the floor as the sitting has it (given or ended while nobody of
        this process was in the meeting), and a speaker who rejoins is told it is theirs."""
        if speaker != self.speaker:
            await self.floor(speaker)  # which announces the change to everyone
            return
        if speaker is not None and participant.member_id == speaker:
            await participant.send({"type": "floor", "open": True})
        await self.announce()

    async def floor(self, member_id: int | None) -> None:
        """The floor given (or ended, with None): the speaker's microphone opens and the
        previous one's closes, the stage changes for everyone."""
        if member_id == self.speaker:
            return
        previous, self.speaker = self.speaker, member_id
        for participant in self.find_member(previous) if previous else []:
            await self.set_muted(participant, True)
            await participant.send({"type": "floor", "open": False})
        for participant in self.find_member(member_id) if member_id else []:
            await self.set_muted(participant, False)
            await participant.send({"type": "floor", "open": True})
        await self.restage()
        await self.announce()

    async def set_muted(self, participant: Participant, muted: bool) -> None:
        participant.muted = muted

    async def restage(self) -> None:
        """Apply the stage to every receiver (the backend's way)."""

    async def programme(self, receiver: Participant) -> None:
        """Offer the room's programme to the receiver (feed "programme")."""
        raise NoProgramme(
            _("This server does not send the room's programme: follow the public broadcast.")
        )
