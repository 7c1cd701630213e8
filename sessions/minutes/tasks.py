"""Celery job of the acts' RFC 3161 timestamps (R31): it takes an id, calls the service and
owns its retries (exponential backoff, capped, as the prefecture's jobs); out of tries the
act stays "pending" and `verify_timestamps --retry` asks again. Eager (the embedded set-up),
the job goes through the broker to the worker, so that an authority that does not answer
never holds the clerk's page."""

from __future__ import annotations

import warnings

from celery import Task, shared_task
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings

from ..tasks import _retry_in
from .timestamps import TimestampDeferred, timestamp_request


def timestamp_enqueue(publication_id: int) -> None:
    if not timestamp_act.app.conf.task_always_eager:
        timestamp_act.delay(publication_id)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        timestamp_act.app.send_task(timestamp_act.name, args=[publication_id])


@shared_task(
    name="sessions.minutes.timestamp_act",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.SEANCE_S2LOW_MAX_RETRIES,
    retry_backoff=settings.SEANCE_S2LOW_RETRY_BACKOFF,
    retry_backoff_max=settings.SEANCE_S2LOW_RETRY_BACKOFF_MAX,
)
def timestamp_act(self: Task, publication_id: int) -> None:
    """Ask the authority for one act's timestamp; retried while it is down."""
    retry_in = _retry_in(self)
    try:
        timestamp_request(publication_id=publication_id)
    except TimestampDeferred as exc:
        if retry_in is None:
            return  # out of tries: still pending, `verify_timestamps --retry` resumes
        if not self.app.conf.task_always_eager:
            raise self.retry(exc=exc, countdown=retry_in) from exc
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            self.app.send_task(
                self.name,
                args=[publication_id],
                countdown=retry_in,
                retries=self.request.retries + 1,
            )
