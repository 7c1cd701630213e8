"""The speaking queue: who asks for the floor, who has it, who spoke."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Member

from .agenda import AgendaItem
from .sitting import Sitting


class SpeakingRequest(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Has the floor")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="speaking_requests")
    item = models.ForeignKey(AgendaItem, on_delete=models.SET_NULL, null=True, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "member"],
                condition=models.Q(state__in=["waiting", "speaking"]),
                name="one_open_request_per_member",
            ),
            models.UniqueConstraint(
                fields=["sitting"],
                condition=models.Q(state="speaking"),
                name="one_speaker",
            ),
        ]

    @property
    def seconds_spoken(self) -> int | None:
        if self.started_at is None:
            return None
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())
