"""Celery tasks: an interface layer that re-fetches by id and calls a service."""

from __future__ import annotations

from celery import shared_task

from .models import ConvocationRecipient
from .services.convocation import convocation_deliver


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def deliver_convocation(recipient_id: int) -> None:
    recipient = ConvocationRecipient.objects.select_related(
        "convocation__sitting__assembly", "member"
    ).get(pk=recipient_id)
    convocation_deliver(recipient=recipient)


@shared_task
def dispatch_convocation(convocation_id: int) -> None:
    ids = (
        ConvocationRecipient.objects.filter(convocation_id=convocation_id, sent_at__isnull=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        deliver_convocation.delay(pk)
