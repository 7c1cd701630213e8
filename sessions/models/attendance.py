"""Who is there: the attendance log, the chair's policing measures (R24), and the members'
audio-video connections that drive the log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Member, Room

from .agenda import AgendaItem
from .sitting import AppendOnly, Sitting


class AttendanceEvent(AppendOnly):
    class Kind(models.TextChoices):
        ARRIVAL = "arrival", _("Arrival")
        DEPARTURE = "departure", _("Departure")

    class Mode(models.TextChoices):
        CHAMBER = "chamber", _("In the chamber")
        REMOTE_ROOM = "remote_room", _("In a remote room")
        REMOTE = "remote", _("Remote (browser)")

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendance")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.CHAMBER)
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]


class PolicingMeasure(AppendOnly):
    """R24: a measure of the chair's policing of the sitting, with its time and reason: a
    call to order, or an expulsion (its departure in the attendance log beside it)."""

    class Kind(models.TextChoices):
        CALL_TO_ORDER = "call_to_order", _("Call to order")
        EXPULSION = "expulsion", _("Expulsion")

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="policing")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    reason = models.TextField()
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    departure = models.OneToOneField(
        AttendanceEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "member"],
                condition=models.Q(kind="expulsion"),
                name="one_expulsion_per_member_per_sitting",
            )
        ]


class MediaConnection(models.Model):
    """A member's audio-video connection to a sitting (joined by browser, or the camera
    of a remote room). It drives the attendance log: the first connection is an arrival,
    a connection lost for longer than the grace period a departure."""

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="media")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=200, unique=True)  # the signalling socket
    connected_at = models.DateTimeField()
    lost_at = models.DateTimeField(null=True, blank=True)
    settled = models.BooleanField(default=False)  # its loss was dealt with

    class Meta:
        ordering = ["connected_at", "id"]
        indexes = [models.Index(fields=["sitting", "member"])]
