"""Celery tasks: an interface layer that re-fetches by id and calls a service."""

from __future__ import annotations

import warnings

from celery import Task, shared_task
from celery.exceptions import AlwaysEagerIgnored
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from .services.convocation import DeliveryDeferred, convocation_deliver


@shared_task(
    bind=True,
    name="sessions.tasks.deliver_convocation",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.SEANCE_MAIL_MAX_RETRIES,
    retry_backoff=settings.SEANCE_MAIL_RETRY_BACKOFF,
    retry_backoff_max=settings.SEANCE_MAIL_RETRY_BACKOFF_MAX,
)
def deliver_convocation(self: Task, recipient_id: int, dispatch: int = 1) -> None:
    """One member's convocation e-mail, one job per dispatch, retried with exponential backoff.

    The retry is Celery's, with the countdown computed here (Celery's own backoff, without
    jitter) so that the board shows the time it will really run. Run eagerly (the embedded
    set-up, no Redis), a retry is not run inline as Celery would, which would hold the
    clerk's request for the whole backoff: it goes through the broker (var/broker) to the
    worker that bin/demo runs, which retries it the same way.
    """
    retry_in = _retry_in(self)
    try:
        convocation_deliver(recipient_id=recipient_id, dispatch=dispatch, retry_in=retry_in)
    except DeliveryDeferred as exc:
        if not self.app.conf.task_always_eager:
            raise self.retry(exc=exc, countdown=retry_in) from exc
        # Eager configuration (Daphne and its worker alike): Task.retry would run the
        # retry at once, inline; send_task always goes through the broker, on purpose.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            self.app.send_task(
                self.name,
                args=[recipient_id, dispatch],
                countdown=retry_in,
                retries=self.request.retries + 1,
            )


def _retry_in(task: Task) -> float | None:
    """Seconds before the next try if this one fails, None if it is the last."""
    max_retries = task.max_retries or 0
    if task.request.retries >= max_retries:
        return None
    return get_exponential_backoff_interval(
        factor=int(max(1.0, float(task.retry_backoff))),
        retries=task.request.retries,
        maximum=int(task.retry_backoff_max),
        full_jitter=False,
    )
