"""Celery jobs of the transmission to the prefecture: they take an id, re-fetch, call a
service and own their retries (exponential backoff, capped; by default about two days
of tries, so that a day without S²LOW loses nothing). The services start them by name
(`council.jobs`); eager (the embedded set-up), a retry goes through the broker to the
worker, as the convocation e-mails' do."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from council.jobs import enqueue as enqueue_job
from council.jobs import retry_in, retry_later

from .services import SEND_JOB, TransmissionDeferred, transmission_poll, transmission_send

OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "max_retries": settings.SEANCE_S2LOW_MAX_RETRIES,
    "retry_backoff": settings.SEANCE_S2LOW_RETRY_BACKOFF,
    "retry_backoff_max": settings.SEANCE_S2LOW_RETRY_BACKOFF_MAX,
}


def _again(task: Task, transmission_id: int, again: float | None) -> None:
    if again is None:
        return  # out of tries: the board shows the last error; `prefecture_sweep` resumes
    exc = TransmissionDeferred(f"transmission {transmission_id}")
    retry_later(task, exc, transmission_id, countdown=again)


def enqueue(transmission_id: int) -> None:
    """Start an act's job (`prefecture_sweep`), through the broker even when eager, so
    that an unreachable S²LOW never holds the caller for its timeout."""
    enqueue_job(SEND_JOB, transmission_id)


@shared_task(name="sessions.prefecture.transmit_act", **OPTIONS)  # type: ignore[untyped-decorator]
def transmit_act(self: Task, transmission_id: int) -> None:
    """Post one act to S²LOW; once posted, its polling starts."""
    again = retry_in(self)
    try:
        outcome = transmission_send(transmission_id=transmission_id, retry_in=again)
    except TransmissionDeferred:
        return _again(self, transmission_id, again)
    t = outcome.transmission
    if not outcome.again:
        return
    if t.state == t.State.POSTED:  # posted by this try: its polling starts
        poll_act.apply_async(args=[t.pk], countdown=settings.SEANCE_S2LOW_FIRST_POLL)
    else:
        _again(self, transmission_id, again)


@shared_task(name="sessions.prefecture.poll_act", **OPTIONS)  # type: ignore[untyped-decorator]
def poll_act(self: Task, transmission_id: int) -> None:
    """Ask S²LOW for the act's status until the prefecture acknowledges it."""
    again = retry_in(self)
    outcome = transmission_poll(transmission_id=transmission_id, retry_in=again)
    if outcome.again:
        _again(self, transmission_id, again)
