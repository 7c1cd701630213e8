"""Ballots cast together: the ballots of one vote that arrive while another batch of it
is being written are written next, as one batch (a group commit).

The consumers run each ballot in a worker thread of the server (sessions/consumers.py).
The first thread to find no batch of its vote running writes every ballot waiting at
that moment, its own included, in one transaction (voting.services.ballots_cast: one
lock on the vote, one chain head, one insert); the others wait for that commit and return
their own outcome. A ballot is therefore acknowledged only once committed (README), and
a refused ballot refuses only itself. A single ballot, with nothing else waiting, is
written at once: nothing waits on a timer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .models import Vote
from .services.ballots import BallotRequest, Outcome, Receipt, ballots_cast


@dataclass
class _Slot:
    request: BallotRequest
    outcome: Outcome | BaseException | None = None
    done: bool = False


@dataclass
class _Queue:
    waiting: list[_Slot] = field(default_factory=list)
    running: bool = False


_lock = threading.Condition()
_queues: dict[int, _Queue] = {}


def ballot_cast_batched(*, vote: Vote, request: BallotRequest) -> Receipt:
    """Cast `request` with whatever other ballots of `vote` are waiting; its receipt, or
    its own refusal raised, once the batch has committed."""
    slot = _Slot(request)
    with _lock:
        queue = _queues.setdefault(vote.pk, _Queue())
        queue.waiting.append(slot)
        while not slot.done and queue.running:
            _lock.wait()
        if not slot.done:
            queue.running = True
            batch, queue.waiting = queue.waiting, []
    if not slot.done:
        _write(vote, queue, batch)
    outcome = slot.outcome
    if isinstance(outcome, BaseException):
        raise outcome
    assert isinstance(outcome, Receipt)
    return outcome


def _write(vote: Vote, queue: _Queue, batch: list[_Slot]) -> None:
    """Write a batch and hand each waiting thread its outcome (an unexpected failure is
    every ballot's of the batch)."""
    outcomes: list[Outcome | BaseException]
    try:
        outcomes = list(ballots_cast(vote=vote, requests=[s.request for s in batch]))
    except Exception as exc:  # the transaction failed: none of the batch was stored
        outcomes = [exc] * len(batch)
    with _lock:
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome, slot.done = outcome, True
        queue.running = False
        if not queue.waiting:
            _queues.pop(vote.pk, None)
        _lock.notify_all()
