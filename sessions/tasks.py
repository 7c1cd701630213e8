"""Celery tasks: an interface layer that re-fetches by id and calls a service."""

from __future__ import annotations

import logging
import time
import warnings

from celery import Task, shared_task
from celery.exceptions import AlwaysEagerIgnored
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from .services.convocation import convocation_deliver
from .services.councillor_copies import copy_deliver
from .services.delivery import DeliveryDeferred

logger = logging.getLogger(__name__)


def deliver_convocations(jobs: list[tuple[int, int]]) -> None:
    """Enqueue one job per (recipient id, dispatch).

    With a broker, they all go to the workers. Eager (the embedded set-up), they run in
    the request that sent the convocation, each on its own (one job's fault never stops
    the others), until `SEANCE_MAIL_INLINE_SECONDS` have passed: the rest goes through the
    broker to the worker, so that a mail server that does not answer never holds the
    clerk's page for each member's timeout in turn.
    """
    _enqueue(jobs, deliver_convocation, "convocation")


def deliver_councillor_copies(jobs: list[tuple[int, int]]) -> None:
    """R32: enqueue one job per (copy id, dispatch), as `deliver_convocations` does."""
    _enqueue(jobs, deliver_councillor_copy, "councillor copy")


def _enqueue(jobs: list[tuple[int, int]], task: Task, label: str) -> None:
    deadline = time.monotonic() + settings.SEANCE_MAIL_INLINE_SECONDS
    for object_id, dispatch in jobs:
        try:
            if task.app.conf.task_always_eager and time.monotonic() > deadline:
                _through_broker(object_id, dispatch, task=task)
            else:
                task.delay(object_id, dispatch)
        except Exception:
            logger.exception("%s job %s (dispatch %s)", label, object_id, dispatch)


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
        # retry at once, inline.
        _through_broker(
            recipient_id, dispatch, countdown=retry_in, retries=self.request.retries + 1
        )


def _through_broker(
    recipient_id: int,
    dispatch: int,
    countdown: float | None = None,
    retries: int = 0,
    task: Task = deliver_convocation,
) -> None:
    """send_task goes through the broker even when tasks are eager, on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        task.app.send_task(
            task.name,
            args=[recipient_id, dispatch],
            countdown=countdown,
            retries=retries,
        )


@shared_task(
    bind=True,
    name="sessions.tasks.deliver_councillor_copy",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.SEANCE_MAIL_MAX_RETRIES,
    retry_backoff=settings.SEANCE_MAIL_RETRY_BACKOFF,
    retry_backoff_max=settings.SEANCE_MAIL_RETRY_BACKOFF_MAX,
)
def deliver_councillor_copy(self: Task, copy_id: int, dispatch: int = 1) -> None:
    """R32: one copy to a member commune's councillor, retried as `deliver_convocation` is."""
    retry_in = _retry_in(self)
    try:
        copy_deliver(copy_id=copy_id, dispatch=dispatch, retry_in=retry_in)
    except DeliveryDeferred as exc:
        if not self.app.conf.task_always_eager:
            raise self.retry(exc=exc, countdown=retry_in) from exc
        _through_broker(
            copy_id,
            dispatch,
            countdown=retry_in,
            retries=self.request.retries + 1,
            task=deliver_councillor_copy,
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
