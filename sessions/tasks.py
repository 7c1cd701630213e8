"""Celery tasks of the convocation e-mails and the member communes' copies (R32): an
interface layer that takes ids, re-fetches, calls a service and owns its retries.
Services start them by name through `council.jobs`, never by importing this module."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from council.jobs import retry_in, retry_later

from .services.convocation import convocation_deliver
from .services.councillor_copies import copy_deliver
from .services.delivery import DeliveryDeferred

MAIL = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "max_retries": settings.SEANCE_MAIL_MAX_RETRIES,
    "retry_backoff": settings.SEANCE_MAIL_RETRY_BACKOFF,
    "retry_backoff_max": settings.SEANCE_MAIL_RETRY_BACKOFF_MAX,
}


@shared_task(name="sessions.tasks.deliver_convocation", **MAIL)  # type: ignore[untyped-decorator]
def deliver_convocation(self: Task, recipient_id: int, dispatch: int = 1) -> None:
    """One member's convocation e-mail, one job per dispatch, retried with exponential backoff.

    The retry is Celery's, with the countdown computed here (Celery's own backoff, without
    jitter) so that the board shows the time it will really run. Run eagerly (the embedded
    set-up, no Redis), a retry is not run inline as Celery would, which would hold the
    clerk's request for the whole backoff: it goes through the broker (var/broker) to the
    worker that bin/demo runs, which retries it the same way (`council.jobs.retry_later`).
    """
    again = retry_in(self)
    try:
        convocation_deliver(recipient_id=recipient_id, dispatch=dispatch, retry_in=again)
    except DeliveryDeferred as exc:
        if again is not None:  # with no try left, `deliver` recorded the failure for good
            retry_later(self, exc, recipient_id, dispatch, countdown=again)


@shared_task(name="sessions.tasks.deliver_councillor_copy", **MAIL)  # type: ignore[untyped-decorator]
def deliver_councillor_copy(self: Task, copy_id: int, dispatch: int = 1) -> None:
    """R32: one copy to a member commune's councillor, retried as `deliver_convocation` is."""
    again = retry_in(self)
    try:
        copy_deliver(copy_id=copy_id, dispatch=dispatch, retry_in=again)
    except DeliveryDeferred as exc:
        if again is not None:
            retry_later(self, exc, copy_id, dispatch, countdown=again)
