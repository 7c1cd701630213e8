"""The convocation as sent (R9), and each e-mail delivered for it: the members' copies and
the member communes' councillors' copies (R32)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import CommuneCouncillor, Member

from .sitting import Sitting


def _token() -> str:
    return secrets.token_urlsafe(32)


class Convocation(models.Model):
    """The convocation as sent, entered in the register and published (R9)."""

    sitting = models.OneToOneField(Sitting, on_delete=models.CASCADE, related_name="convocation")
    register_number = models.CharField(max_length=40, unique=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    clear_days = models.IntegerField()
    notice_required = models.IntegerField()
    pdf = models.FileField(upload_to="convocations/")
    pdf_sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField()
    # Its words as blocks (sessions/acts.py), from which the PDF was made: the accessible
    # page beside the PDF is made from them (R34). Empty for an older convocation.
    content = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.register_number


class EmailDelivery(models.Model):
    """One e-mail's delivery to one recipient: each dispatch is a job of its own, retried
    with backoff; `sent_at` is the latest dispatch the mail server accepted, the token's
    link the proof of opening (sessions.services.delivery)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Will be retried")
        FAILED = "failed", _("Failed")

    email = models.EmailField(blank=True)
    token = models.CharField(max_length=64, unique=True, default=_token)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The dispatch a job belongs to: a re-send starts a new one, and a job of an older
    # dispatch, or one already accepted by the server, sends nothing.
    dispatch = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ConvocationRecipient(EmailDelivery):
    """One member's copy of the convocation and its delivery."""

    convocation = models.ForeignKey(
        Convocation, on_delete=models.CASCADE, related_name="recipients"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="convocations")
    paper_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["member__last_name", "member__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["convocation", "member"], name="unique_recipient")
        ]


class CouncillorCopy(EmailDelivery):
    """R32: one copy, to a member commune's councillor who does not sit in the EPCI's
    council, of the convocation, the list of deliberations or the minutes, delivered as the
    members' convocations are (one job per dispatch, retried; `sent_at` is the latest
    dispatch the mail server accepted; the token's link is the proof of opening)."""

    class Kind(models.TextChoices):
        CONVOCATION = "convocation", _("Convocation")
        LIST = "list", _("List of deliberations")
        MINUTES = "minutes", _("Minutes")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="councillor_copies")
    councillor = models.ForeignKey(
        CommuneCouncillor, on_delete=models.PROTECT, related_name="copies"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    publication = models.ForeignKey(
        "sittings.Publication", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "councillor__last_name", "councillor__first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "kind", "councillor"], name="unique_councillor_copy"
            )
        ]
