"""The broadcast's jobs, started by task name once the caller's transaction commits: the
services, the runner and the transcription never import the task module (streaming.tasks
imports them). The tasks take ids and re-fetch (HackSoft's tasks).

- the broadcast runner always goes through the broker to a worker of the broadcast queue,
  even with eager tasks: it is long-running and never runs inside a web request;
- the replay's build runs in the worker (eager: where it is scheduled, as before);
- a transcription queued while `transcripts_detached` is on runs, eager, in a thread of
  its own: a runner (or the chair's close) that has the replay built must not wait for
  the sound to be heard."""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator

from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings
from django.db import connections, transaction

from council.celery import app
from council.jobs import registered

logger = logging.getLogger(__name__)

RUN_BROADCAST = "streaming.tasks.run_broadcast"
BUILD_REPLAY = "streaming.tasks.build_replay"
TRANSCRIBE_REPLAY = "streaming.tasks.transcribe_replay"


def runner_dispatch_on_commit(broadcast_id: int) -> None:
    """Hand the broadcast to a worker of the broadcast queue once the transaction commits."""

    def send() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)  # on purpose, see above
            app.send_task(RUN_BROADCAST, args=[broadcast_id], queue=settings.SEANCE_BROADCAST_QUEUE)

    transaction.on_commit(send)


def replay_build_on_commit(sitting_id: int) -> None:
    """Build the closed sitting's replay (R34) in a worker, once the transaction commits."""

    def send() -> None:
        with transcripts_detached():  # eager tasks: the transcription gets its own thread
            registered(BUILD_REPLAY).delay(sitting_id)

    transaction.on_commit(send)


_detached = threading.local()


@contextlib.contextmanager
def transcripts_detached() -> Iterator[None]:
    """With eager tasks (the embedded set-up: no broker), a transcription queued inside
    runs in a thread of its own, not in the caller's."""
    _detached.on = True
    try:
        yield
    finally:
        _detached.on = False


def transcribe_on_commit(transcript_id: int) -> None:
    """The replay's transcription (streaming.transcript.job), once the transaction commits."""
    task = registered(TRANSCRIBE_REPLAY)
    if getattr(_detached, "on", False) and app.conf.task_always_eager:
        transaction.on_commit(lambda: _run_in_thread(transcript_id))
    else:
        transaction.on_commit(lambda: task.delay(transcript_id))


def _run_in_thread(transcript_id: int) -> threading.Thread:
    task = registered(TRANSCRIBE_REPLAY)

    def run() -> None:
        try:
            task.apply(args=(transcript_id,))
        except Exception:  # the job records its own failures; nothing else may escape
            logger.exception("transcript %s", transcript_id)
        finally:
            connections.close_all()  # this thread's own

    thread = threading.Thread(target=run, name=f"transcript-{transcript_id}", daemon=True)
    thread.start()
    return thread
