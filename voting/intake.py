"""The ballots of the seats' sockets, checked and written together (a group commit).

A seat's ballot frame takes no worker thread of its own (sessions/consumers.py hands it
here): it waits on the server's loop with the other ballots of its sitting arriving while
a batch is being written. Each batch takes one worker thread, which:

- checks again every socket's session and access, as before any frame of a socket
  (council.sockets, sessions.access), with a few queries for the whole batch;
- parses each ballot as a seat sends it (the voter's own name, or "on_behalf_of" the
  member whose proxy they hold: R15);
- casts them, per vote, in one transaction (voting.services.ballots_cast: one lock on the
  vote, one chain head, one insert; a refused ballot refuses only itself).

Then, on the loop, each socket gets its outcome: an acknowledgement only once committed
(README), the refusal of that ballot alone, or, when its session or access is gone, the
refusal and the socket's closing. After the outcomes, another worker thread reads what
each voter's other devices must learn (voting.seat_events), sent to them all in one
message. A ballot alone is written at once (within a few turns of the loop); a vote's
burst is gathered until it pauses (`_gathered`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils.translation import gettext as _

from council.errors import DomainError, InvalidInput
from council.models import Member
from council.parsing import members_named, parse_optional_member, parse_text
from council.sockets import SessionRef, session_ended_error, sessions_ended
from sessions.access import Role, Standing, access_sitting_each
from sessions.errors import SittingErrorCode
from sessions.models import Sitting

from .access import vote_in
from .models import Vote
from .seat_events import my_ballots_message, seats_own_group
from .services.ballots import BallotRequest, Receipt, ballots_cast


@dataclass(frozen=True)
class Arrival:
    """One ballot frame as a seat's socket received it."""

    user: Any
    session: SessionRef
    message: dict[str, Any]
    channel: str = ""  # its socket's channel name


@dataclass(frozen=True)
class Echo:
    """What the voters of a batch, each on their other devices, must learn: the names they
    have voted in. Not for the sockets that cast all of a voter's ballots of the batch,
    which have their acknowledgements."""

    sitting: Sitting
    voters: list[Member]
    vote: Vote | None
    skip: list[str]

    def message(self) -> tuple[str, dict[str, Any]]:
        """The group and its message (worker thread: one query)."""
        message = my_ballots_message(self.sitting, self.voters, self.vote, self.skip)
        return seats_own_group(self.sitting.id), message


@dataclass(frozen=True)
class Closing:
    """The socket's session or access is gone: this refusal, then the socket closes."""

    error: DomainError


Outcome = dict[str, object] | DomainError | Closing
logger = logging.getLogger(__name__)
_Key = tuple[int, int]  # (the loop, the sitting)

_waiting: dict[_Key, list[tuple[Arrival, asyncio.Future[Outcome]]]] = {}
_writers: dict[_Key, asyncio.Task[None]] = {}
_echoes: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak references)


async def ballot_arrived(sitting_id: int, arrival: Arrival) -> Outcome:
    """The outcome of `arrival`, once its batch is written."""
    loop = asyncio.get_running_loop()
    key = (id(loop), sitting_id)
    future: asyncio.Future[Outcome] = loop.create_future()
    _waiting.setdefault(key, []).append((arrival, future))
    if key not in _writers:
        _writers[key] = loop.create_task(_write_while_waiting(key, sitting_id))
    return await future


async def _write_while_waiting(key: _Key, sitting_id: int) -> None:
    echo: asyncio.Task[None] | None = None
    try:
        while batch := await _gathered(key):
            told = await _write(sitting_id, batch)
            if told is not None:  # sent while the next batch is written, after the last
                echo = asyncio.ensure_future(_echo(told, echo))
                _echoes.add(echo)
                echo.add_done_callback(_echoes.discard)
    finally:
        _writers.pop(key, None)


# A frame goes from its socket to `ballot_arrived` in a few turns of the server's loop: a
# batch waits until QUIET_TURNS turns in a row have brought no ballot more (a ballot alone
# goes within microseconds). Several ballots are a vote's burst: the batch waits until
# BURST_PAUSE brings none more, BURST_MAX at most, so that the holders' ballots in their
# grantors' names, read a few milliseconds after the first ones, join the same batch
# instead of waiting for it to be written and forming a second one (as a database's group
# commit waits while other transactions are under way: PostgreSQL's commit_delay).
QUIET_TURNS, GATHER_TURNS = 4, 1000
BURST_PAUSE, BURST_MAX = 0.005, 0.05


async def _gathered(key: _Key) -> list[tuple[Arrival, asyncio.Future[Outcome]]] | None:
    """The next batch: the ballots the server has received, a whole burst at once."""
    seen, quiet = -1, 0
    for _turn in range(GATHER_TURNS):
        waiting = len(_waiting.get(key, ()))
        quiet, seen = (quiet + 1 if waiting == seen else 0), waiting
        if quiet >= QUIET_TURNS:
            break
        await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BURST_MAX
    while seen > 1 and loop.time() < deadline:
        await asyncio.sleep(BURST_PAUSE)
        before, seen = seen, len(_waiting.get(key, ()))
        if seen == before:
            break
    return _waiting.pop(key, None)


async def _write(
    sitting_id: int, batch: list[tuple[Arrival, asyncio.Future[Outcome]]]
) -> Echo | None:
    """Write the batch and settle each arrival's outcome; what the voters' other devices
    must learn."""
    write = database_sync_to_async(ballots_received, thread_sensitive=False)
    try:
        outcomes, echo = await write(sitting_id, [arrival for arrival, _ in batch])
    except Exception as exc:  # the transaction failed: nothing of the batch is stored
        for _arrival, future in batch:
            if not future.done():
                future.set_exception(exc)
        return None
    for (_arrival, future), outcome in zip(batch, outcomes, strict=True):
        if not future.done():  # its socket may have gone meanwhile
            future.set_result(outcome)
    told: Echo | None = echo
    return told


async def _echo(echo: Echo, previous: asyncio.Task[None] | None) -> None:
    """The voters' ballots to their other devices, read once the batch's outcomes are out
    and sent once the previous batch's are (a device keeps the newest list of its names)."""
    if previous is not None:
        await previous
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        group, message = await database_sync_to_async(echo.message, thread_sensitive=False)()
        await layer.group_send(group, message)
    except Exception as failed:  # the ballots stand; a device learns on reconnect
        logger.warning("a seat's ballots could not be sent: %r", failed)


def ballots_received(sitting_id: int, arrivals: list[Arrival]) -> tuple[list[Outcome], Echo | None]:
    """Check, parse and cast a batch (worker thread): each arrival's outcome, and what the
    voters' other devices must learn."""
    ended = sessions_ended([a.session for a in arrivals])
    sitting, standings = access_sitting_each([a.user for a in arrivals], sitting_id, Role.MEMBER)
    pairs = zip(ended, standings, strict=True)
    outcomes: list[Outcome] = [_closing(gone, who) or {} for gone, who in pairs]
    if sitting is None:  # no such sitting (any more): every socket's access is gone
        return outcomes, None
    by_vote: dict[Vote, list[tuple[int, BallotRequest]]] = {}
    named = members_named(sitting.assembly, [a.message.get("on_behalf_of") for a in arrivals])
    for i, (arrival, who) in enumerate(zip(arrivals, standings, strict=True)):
        if isinstance(outcomes[i], Closing) or isinstance(who, DomainError):
            continue
        try:
            vote, request = _request(sitting, who, arrival.message, (by_vote, named))
        except DomainError as err:
            outcomes[i] = err
            continue
        by_vote.setdefault(vote, []).append((i, request))
    taken = _cast(by_vote, outcomes)
    if not taken:
        return outcomes, None
    cast_in = next(iter(by_vote)) if len(by_vote) == 1 else None  # else: the current vote
    voters = list({voter.id: voter for _i, voter in taken}.values())
    return outcomes, Echo(sitting, voters, cast_in, _knowing(arrivals, taken))


def _knowing(arrivals: list[Arrival], taken: list[tuple[int, Member]]) -> list[str]:
    """The sockets that cast every ballot of their voter taken in the batch: their
    acknowledgements told them all."""
    channels: dict[int, set[str]] = {}
    for i, voter in taken:
        channels.setdefault(voter.id, set()).add(arrivals[i].channel)
    return [next(iter(c)) for c in channels.values() if len(c) == 1 and "" not in c]


def _closing(ended: bool, who: Standing | DomainError) -> Closing | None:
    """The closing of a socket whose session ended or whose access is gone, else None."""
    if ended:
        return Closing(session_ended_error())
    return Closing(who) if isinstance(who, DomainError) else None


def _request(
    sitting: Sitting,
    who: Standing,
    message: dict[str, Any],
    batch: tuple[dict[Vote, Any], dict[int, Member]],
) -> tuple[Vote, BallotRequest]:
    """A ballot frame read as the seat sends it: its voter, choice, client id, the name
    it is cast in and the vote (one of this sitting's). The votes and the members that the
    batch names are read once for it."""
    votes, named = batch
    if who.member is None:
        raise InvalidInput(
            _("Only a member of the council can vote."), code=SittingErrorCode.NOT_MEMBER
        )
    request = BallotRequest(
        voter=who.member,
        choice=parse_text(message.get("choice"), field="choice", max_length=20),
        client_id=parse_text(message.get("client_id"), field="client_id", max_length=64),
        on_behalf_of=parse_optional_member(
            sitting.assembly, message.get("on_behalf_of"), field="on_behalf_of", known=named
        ),
    )
    vote_id = message.get("vote")
    known = next((v for v in votes if type(vote_id) is int and v.pk == vote_id), None)
    return known or vote_in(sitting, vote_id), request


def _cast(
    by_vote: dict[Vote, list[tuple[int, BallotRequest]]], outcomes: list[Outcome]
) -> list[tuple[int, Member]]:
    """Cast each vote's ballots together; each ballot taken: its arrival and its voter."""
    taken: list[tuple[int, Member]] = []
    for vote, indexed in by_vote.items():
        results = ballots_cast(vote=vote, requests=[r for _i, r in indexed])
        for (i, request), result in zip(indexed, results, strict=True):
            outcomes[i] = result.as_dict() if isinstance(result, Receipt) else result
            if isinstance(result, Receipt):
                taken.append((i, request.voter))
    return taken
