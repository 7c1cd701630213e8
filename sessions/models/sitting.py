"""The sitting, and its journal: the append-only log of every step (for the minutes and
the replay chapters)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Assembly, Member, Room


class Sitting(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONVENED = "convened", _("Convened")
        OPEN = "open", _("Open")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        HELD = "held", _("Held")
        NO_QUORUM = "no_quorum", _("Adjourned for lack of quorum")

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="sittings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    place = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    remote_rooms = models.ManyToManyField(
        Room, blank=True, related_name="remote_sittings", verbose_name=_("remote rooms")
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    in_closed_session = models.BooleanField(_("closed session (huis clos)"), default=False)
    urgency = models.BooleanField(_("urgency declared"), default=False)
    urgency_reason = models.TextField(_("reason for urgency"), blank=True)
    urgency_accepted = models.BooleanField(null=True, blank=True)
    first_after_renewal = models.BooleanField(
        _("first sitting after general renewal"), default=False
    )
    second_convocation_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="second_convocation"
    )
    convened_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    convened_by_reason = models.CharField(_("reason for replacement"), max_length=300, blank=True)
    chair = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secretary = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_live(self) -> bool:
        return self.state in (self.State.OPEN, self.State.SUSPENDED)

    @property
    def is_teleconference(self) -> bool:
        """A sitting held in several places (R27): it has designated remote rooms."""
        return self.assembly.is_epci and self.remote_rooms.exists()


class AppendOnly(models.Model):
    """A log row: written once, never updated or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("append-only record")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("append-only record")


class SittingLog(AppendOnly):
    """The sitting's journal: every step, for the minutes and the replay chapters."""

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
