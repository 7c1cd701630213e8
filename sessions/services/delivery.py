"""One e-mail's delivery, whatever it carries (a member's convocation, a member commune's
councillor's copy, R32): a job claims its dispatch, sends, and records the outcome; the
clerk starts a new dispatch. At most one job sends a dispatch once the server took it."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import TypeVar

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from sessions.errors import SittingErrorCode

from ..errors import Conflict, InvalidInput
from ..mail import delivery_failure
from ..models import EmailDelivery

logger = logging.getLogger(__name__)

S = EmailDelivery.Status
D = TypeVar("D", bound=EmailDelivery)

# A job that claimed a delivery and vanished (its worker killed mid-send) leaves it
# "sending"; after this long another job may take it over.
SENDING_LEASE = datetime.timedelta(minutes=10)


class DeliveryDeferred(Exception):
    """The mail server did not take the message this time; the job tries again later."""


def claim(deliveries: QuerySet[D], pk: int, dispatch: int) -> bool:
    """Takes dispatch `dispatch` of delivery `pk` for this job, if nobody else has it: not
    an older dispatch, nor one sent, failed for good or being sent within its lease."""
    now = timezone.now()
    claimable = Q(status__in=[S.QUEUED, S.RETRYING]) | Q(
        status=S.SENDING, last_attempt_at__lt=now - SENDING_LEASE
    )
    return bool(
        deliveries.filter(claimable, pk=pk, dispatch=dispatch)
        .exclude(email="")
        .update(
            status=S.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None
        )
    )


def deliver(delivery: D, send: Callable[[D], None], retry_in: float | None) -> D:
    """Sends a claimed delivery. A refusal is recorded for the clerk; a temporary one, when
    `retry_in` seconds are left for another try, raises `DeliveryDeferred` for the job."""
    try:
        send(delivery)
    except Exception as exc:
        if not isinstance(exc, OSError):
            logger.exception("%s %s", type(delivery).__name__, delivery.pk)
        failure = delivery_failure(exc)
        retry = None if failure.permanent else retry_in
        delivery.delivery_error = failure.message[:300]
        if retry is None:
            delivery.status, delivery.next_attempt_at = S.FAILED, None
        else:
            delivery.status = S.RETRYING
            delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=retry)
        delivery.save(update_fields=["delivery_error", "status", "next_attempt_at"])
        if retry is not None:
            raise DeliveryDeferred(failure.message) from exc
        return delivery
    delivery.sent_at = timezone.now()
    delivery.status = S.SENT
    delivery.delivery_error = ""
    delivery.save(update_fields=["sent_at", "status", "delivery_error"])
    return delivery


def redispatch(delivery: D, *, email: str, no_email: str, in_progress: str) -> D:
    """A new dispatch to `email` (the address the recipient has now), its jobs retrying on
    their own. Refused without an address, or while a job is sending within its lease;
    `no_email` and `in_progress` are the refusals' messages."""
    if not email:
        raise InvalidInput(no_email, code=SittingErrorCode.NO_EMAIL)
    started = delivery.last_attempt_at
    if delivery.status == S.SENDING and started and started >= timezone.now() - SENDING_LEASE:
        raise Conflict(in_progress, code=SittingErrorCode.DELIVERY_IN_PROGRESS)
    delivery.email = email
    delivery.dispatch += 1
    delivery.status = S.QUEUED
    delivery.attempts = 0
    delivery.delivery_error = ""
    delivery.next_attempt_at = None
    delivery.save(
        update_fields=[
            "email",
            "dispatch",
            "status",
            "attempts",
            "delivery_error",
            "next_attempt_at",
        ]
    )
    return delivery
