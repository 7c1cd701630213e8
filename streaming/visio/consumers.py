"""Signalling of the councillors' video: one websocket per participant, one protocol
whatever relays the media. Browsers never talk to the media server's API.

Client to server (JSON text frames):
  {"action": "join", "audio_only": bool}
  {"action": "publish", "sdp": "<offer>"}            -> {"type": "answer", "sdp"}
  {"action": "answer", "feed": "<id>", "sdp": "<answer>"}   (to a server "offer")
  {"action": "unmute"}                                (accepting the chair's request)
  {"action": "leave"}                   (leaving: a departure at once, then the socket closes)
  {"action": "raise_hand" | "lower_hand"}  -> {"type": "hand", "raised"} (the speaking queue)
  {"action": "programme"}          -> an "offer" of the feed "programme" (the room's programme)
  chair only: {"action": "mute" | "ask_unmute" | "remove", "member": <id>}
Server to client: "joined" (with "simulcast": whether to send simulcast layers,
"programme": whether the room's programme can be asked for, and "ice_servers": the
RTCPeerConnection's iceServers, with this user's time-limited TURN credential, turn.py),
"participants" (each with its stage "layer": stage, thumbnail or none), "streams" (which
participant each m-line of a feed carries), "offer" (a new feed, or a renegotiation of
one already offered: Janus sends everyone on one feed, "room"), "candidate", "left",
"muted", "unmute_request", "floor" ({"open": bool}: the floor given or ended, the
microphone opened or closed by the server), "present" (the presence by video recorded,
once media flows: the page then lets a councillor ask for the floor), "removed", and
{"type": "error", "code", "message"} for every refusal.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from council.errors import DomainError, InvalidInput
from council.frames import action_frame
from council.parsing import parse_flag, parse_id, parse_optional_id, parse_single
from council.sockets import UserSocket
from sessions.access import access_member
from sessions.models import Sitting, SpeakingRequest
from sessions.services import hand_lower, hand_raise, media_connected
from streaming.access import MeetingSeat, access_meeting
from streaming.conference.janus import JanusSettings

from .events import visio_group
from .janus_room import JanusRoom, janus_room_for
from .meeting import NoProgramme, Participant
from .presence import CLEAN_CLOSE, media_gone
from .relay import RelayRoom, room_for
from .turn import ice_servers

logger = logging.getLogger(__name__)

# A browser's answer to the one subscription of a large sitting: about 0.7 KiB per m-line,
# two m-lines per councillor (70 KiB for 50 councillors).
MAX_FRAME = 256 * 1024


def meeting_for(sitting_id: int) -> RelayRoom | JanusRoom:
    """Janus when it is configured (SEANCE_JANUS_URL), the embedded relay otherwise."""
    if settings.SEANCE_JANUS_URL:
        janus = JanusSettings(
            url=settings.SEANCE_JANUS_URL,
            api_secret=settings.SEANCE_JANUS_API_SECRET or None,
            admin_key=settings.SEANCE_JANUS_ADMIN_KEY or None,
        )
        return janus_room_for(sitting_id, janus)
    return room_for(sitting_id)


def current_speaker(sitting_id: int) -> int | None:
    return (
        SpeakingRequest.objects.filter(sitting_id=sitting_id, state=SpeakingRequest.State.SPEAKING)
        .values_list("member_id", flat=True)
        .first()
    )


def _join_checks(user: Any, sitting_id: int, query: bytes) -> MeetingSeat:
    """Who joins (streaming.access.access_meeting); a remote room's agent names the room
    with `?room=<id>`, the id in ASCII digits."""
    rooms = parse_qs(query.decode("latin-1"), keep_blank_values=True).get("room", [])
    room_id = parse_optional_id(parse_single(rooms, field="room"), field="room", strings=True)
    return access_meeting(user, sitting_id, room_id)


def _hand_change(user: Any, sitting: Sitting, *, raised: bool) -> None:
    """Asking for the floor, or no longer: only a member does (not a remote room)."""
    member = access_member(user, sitting, _("Only a member of the council asks for the floor."))
    (hand_raise if raised else hand_lower)(sitting=sitting, member=member)


class VisioConsumer(UserSocket):
    participant: Participant | None = None

    async def connect(self) -> None:
        await self.accept()
        self.sitting_id = int(self.scope["url_route"]["kwargs"]["sitting_id"])
        try:
            seat = await database_sync_to_async(_join_checks)(
                self.scope.get("user"), self.sitting_id, self.scope.get("query_string", b"")
            )
        except DomainError as err:
            await self.send_json({"type": "error", **err.as_dict()})
            await self.close(code=4000 + err.status)
            return
        self.remote_room = seat.room
        self.sitting, self.member, self.is_chair = seat.sitting, seat.member, seat.chair
        self.room = meeting_for(self.sitting_id)
        await self.channel_layer.group_add(visio_group(self.sitting_id), self.channel_name)
        query = self.scope.get("query_string", b"")  # closed at logout, checked at each frame
        await self.bind_user(lambda: _join_checks(self.scope["user"], self.sitting_id, query))

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "room"):
            await self.channel_layer.group_discard(visio_group(self.sitting_id), self.channel_name)
        await self.leave_meeting(clean=code == CLEAN_CLOSE)  # else dropped: a grace period

    async def leave_meeting(self, *, clean: bool) -> None:
        participant, self.participant = self.participant, None
        if participant is not None:
            await participant.settled()  # an arrival under way is recorded first
            await self.room.leave(participant)
            await media_gone(channel=self.channel_name, clean=clean)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not hasattr(self, "member"):
            return
        try:
            content = action_frame(text_data, MAX_FRAME)
        except InvalidInput as err:
            await self.send_json({"type": "error", **err.as_dict()})
            return
        action = content["action"]
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            await self.error("unknown_action", _("Unknown action."))
            return
        if action != "join" and self.participant is None:
            await self.error("not_joined", _("Join the meeting first."))
            return
        try:
            await handler(content)
        except InvalidInput as err:
            await self.send_json({"type": "error", "action": action, **err.as_dict()})

    async def do_join(self, content: dict[str, Any]) -> None:
        if self.participant is not None:
            await self.error("already_joined", _("You have already joined."))
            return
        self.participant = Participant(
            id=uuid.uuid4().hex[:12],
            member_id=self.member.id if self.member else 0,
            name=self.member.full_name if self.member else str(self.remote_room),
            send=self.send_json,
            audio_only=parse_flag(content.get("audio_only"), field="audio_only", default=False),
            chair=self.is_chair,
        )
        speaker = await database_sync_to_async(current_speaker)(self.sitting_id)
        self.participant.muted = self.room.starts_muted(self.participant, speaker)
        try:
            await self.room.join(self.participant)
        except Exception:
            logger.exception("joining the media server")
            self.participant = None
            await self.error("media_unavailable", _("The video server cannot be reached."))
            return
        await self.send_json(
            {
                "type": "joined",
                "id": self.participant.id,
                "chair": self.is_chair,
                "simulcast": self.room.simulcast,
                "programme": self.room.offers_programme,
                "muted": self.participant.muted,
                "ice_servers": ice_servers(self.scope["user"].id, self.sitting_id),
            }
        )
        await self.room.seat(self.participant, speaker)

    async def do_publish(self, content: dict[str, Any]) -> None:
        assert self.participant is not None
        sdp = content.get("sdp")
        if not isinstance(sdp, str) or not sdp.startswith("v=0"):
            await self.error("invalid_sdp", _("The offer is not a session description."))
            return
        if self.participant.published:
            await self.error("already_publishing", _("You are already publishing."))
            return
        try:
            answer = await self.room.publish(self.participant, sdp)
        except Exception:  # the media server refuses what it cannot parse
            await self.error("invalid_sdp", _("The offer was refused."))
            return
        self.participant.published = True
        await self.send_json({"type": "answer", "sdp": answer})
        await self.room.restage()  # a publisher is on the stage, or among the thumbnails
        await self.room.announce()
        if self.member is not None:  # R26: present once media flows, not on the answer
            self.participant.on_media(self._arrive)

    async def _arrive(self) -> None:
        """The presence by video recorded, then told to the page: from then on the
        councillor may ask for the floor (an absent member may not: member_absent)."""
        assert self.member is not None
        await database_sync_to_async(media_connected)(
            sitting=self.sitting, member=self.member, channel=self.channel_name
        )
        await self.send_json({"type": "present"})

    async def do_answer(self, content: dict[str, Any]) -> None:
        assert self.participant is not None
        feed, sdp = content.get("feed"), content.get("sdp")
        if not isinstance(feed, str) or not isinstance(sdp, str):
            await self.error("invalid_sdp", _("An answer needs its feed and its description."))
            return
        try:
            await self.room.answer(self.participant, feed, sdp)
        except KeyError:
            await self.error("unknown_feed", _("No such feed was offered to you."))
        except Exception:  # answered twice (a replay), or not a valid answer
            await self.error("invalid_sdp", _("This answer was refused."))

    async def do_leave(self, content: dict[str, Any]) -> None:
        """The councillor leaves the video ("Quitter"): a departure at once, not after
        the grace period a dropped connection is given (streaming.visio.presence)."""
        await self.leave_meeting(clean=True)
        await self.close(code=CLEAN_CLOSE)

    async def do_unmute(self, content: dict[str, Any]) -> None:
        """Only the councillor opens their own microphone, and only on the chair's
        request: a muted councillor cannot undo the chair's mute by themself."""
        assert self.participant is not None
        if not self.participant.unmute_asked:
            await self.error("not_asked", _("The chair has not asked you to open your microphone."))
            return
        self.participant.unmute_asked = False
        await self.room.set_muted(self.participant, False)
        await self.room.announce()

    async def do_raise_hand(self, content: dict[str, Any]) -> None:
        """Asking for the floor from the video, as from the seat: the speaking queue."""
        await self._hand(raised=True)

    async def do_lower_hand(self, content: dict[str, Any]) -> None:
        await self._hand(raised=False)

    async def _hand(self, *, raised: bool) -> None:
        try:
            await database_sync_to_async(_hand_change)(
                self.scope["user"], self.sitting, raised=raised
            )
        except DomainError as err:
            await self.send_json({"type": "error", **err.as_dict()})
            return
        await self.send_json({"type": "hand", "raised": raised})

    async def do_mute(self, content: dict[str, Any]) -> None:
        for target in await self._targets(content):
            await self.room.set_muted(target, True)
            await target.send({"type": "muted"})
        await self.room.announce()

    async def do_ask_unmute(self, content: dict[str, Any]) -> None:
        for target in await self._targets(content):
            target.unmute_asked = True
            await target.send({"type": "unmute_request"})

    async def do_remove(self, content: dict[str, Any]) -> None:
        for target in await self._targets(content):
            await target.send({"type": "removed"})
            await self.room.leave(target)

    async def _targets(self, content: dict[str, Any]) -> list[Participant]:
        if not self.is_chair:
            await self.error("forbidden", _("Only the chair moderates the meeting."))
            return []
        member, participant = content.get("member"), content.get("participant")
        if isinstance(participant, str):  # a remote room, which is no member
            targets = [p for p in self.room.participants.values() if p.id == participant]
        else:
            targets = self.room.find_member(parse_id(member, field="member"))
        if not targets:
            await self.error("unknown_participant", _("This member is not in the meeting."))
        return targets

    async def do_programme(self, content: dict[str, Any]) -> None:
        """The room's programme (what the public sees and hears), with WebRTC delay."""
        assert self.participant is not None
        try:
            await self.room.programme(self.participant)
        except NoProgramme as refusal:
            await self.error("no_programme", str(refusal))

    async def visio_floor(self, event: dict[str, Any]) -> None:
        """The floor given or ended in the sitting (streaming.visio.events)."""
        await self.room.floor(event.get("member"))

    async def error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})
