"""Celery job of the acts' RFC 3161 timestamps (R31): it takes an id, calls the service and
owns its retries (exponential backoff, capped, as the prefecture's jobs); out of tries the
act stays "pending" and `verify_timestamps --retry` asks again. The service starts it by
name (`council.jobs`); eager (the embedded set-up), it and its retries go through the
broker to the worker, so that an authority that does not answer never holds the clerk's
page."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from council.jobs import retry_in, retry_later

from .timestamps import TimestampDeferred, timestamp_request


@shared_task(  # type: ignore[untyped-decorator]
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
    again = retry_in(self)
    try:
        timestamp_request(publication_id=publication_id)
    except TimestampDeferred as exc:
        if again is None:
            return  # out of tries: still pending, `verify_timestamps --retry` resumes
        retry_later(self, exc, publication_id, countdown=again)
