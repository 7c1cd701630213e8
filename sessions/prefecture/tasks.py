"""Celery jobs of the transmission to the prefecture: they take an id, re-fetch, call a
service and own their retries (exponential backoff, capped; by default about two days
of tries, so that a day without S²LOW loses nothing). Eager (the embedded set-up), a
retry goes through the broker to the worker, as the convocation e-mails do."""

from __future__ import annotations

import warnings

from celery import Task, shared_task
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings

from ..tasks import _retry_in
from .services import TransmissionDeferred, transmission_poll, transmission_send

OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "max_retries": settings.SEANCE_S2LOW_MAX_RETRIES,
    "retry_backoff": settings.SEANCE_S2LOW_RETRY_BACKOFF,
    "retry_backoff_max": settings.SEANCE_S2LOW_RETRY_BACKOFF_MAX,
}


def _again(task: Task, transmission_id: int, retry_in: float | None) -> None:
    if retry_in is None:
        return  # out of tries: the board shows the last error; `prefecture_sweep` resumes
    exc = TransmissionDeferred(f"transmission {transmission_id}")
    if not task.app.conf.task_always_eager:
        raise task.retry(exc=exc, countdown=retry_in)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        task.app.send_task(
            task.name,
            args=[transmission_id],
            countdown=retry_in,
            retries=task.request.retries + 1,
        )


def enqueue(transmission_id: int) -> None:
    """Start an act's job. Eager (no Redis), through the broker to the worker, so that an
    unreachable S²LOW never holds the clerk's page for its timeout."""
    if not transmit_act.app.conf.task_always_eager:
        transmit_act.delay(transmission_id)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        transmit_act.app.send_task(transmit_act.name, args=[transmission_id])


@shared_task(name="sessions.prefecture.transmit_act", **OPTIONS)
def transmit_act(self: Task, transmission_id: int) -> None:
    """Post one act to S²LOW; once posted, its polling starts."""
    retry_in = _retry_in(self)
    try:
        outcome = transmission_send(transmission_id=transmission_id, retry_in=retry_in)
    except TransmissionDeferred:
        return _again(self, transmission_id, retry_in)
    t = outcome.transmission
    if not outcome.again:
        return
    if t.state == t.State.POSTED:  # posted by this try: its polling starts
        poll_act.apply_async(args=[t.pk], countdown=settings.SEANCE_S2LOW_FIRST_POLL)
    else:
        _again(self, transmission_id, retry_in)


@shared_task(name="sessions.prefecture.poll_act", **OPTIONS)
def poll_act(self: Task, transmission_id: int) -> None:
    """Ask S²LOW for the act's status until the prefecture acknowledges it."""
    retry_in = _retry_in(self)
    outcome = transmission_poll(transmission_id=transmission_id, retry_in=retry_in)
    if outcome.again:
        _again(self, transmission_id, retry_in)
