"""Cameras of a room and the broadcast of a sitting (R25, R33)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Room
from sessions.models import Sitting


class Camera(models.Model):
    """A camera of the registry: how it is steered and where its feed comes from."""

    class Protocol(models.TextChoices):
        VISCA = "visca", _("VISCA over IP")
        ONVIF = "onvif", _("ONVIF PTZ")
        NONE = "none", _("None (fixed camera)")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="cameras")
    name = models.CharField(_("name"), max_length=100)
    protocol = models.CharField(
        _("control protocol"), max_length=8, choices=Protocol.choices, default=Protocol.NONE
    )
    control_address = models.CharField(_("control address (host:port)"), max_length=200, blank=True)
    feed_url = models.CharField(
        _("feed URL (rtsp://, srt://, udp://)"),
        max_length=300,
        help_text=_("RTSP, SRT or MPEG-TS over UDP."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        ordering = ["room", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["room", "name"], name="unique_camera_name"),
            models.CheckConstraint(
                condition=models.Q(protocol="none") | ~models.Q(control_address=""),
                name="steered_camera_has_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} — {self.name}"


class CameraPreset(models.Model):
    """A stored camera position, named by the seat or role it frames."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="presets")
    slot = models.PositiveSmallIntegerField(_("preset number"))
    label = models.CharField(_("seat or role"), max_length=100)
    seat = models.CharField(_("seat number"), max_length=20, blank=True)

    class Meta:
        ordering = ["camera", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "slot"], name="unique_preset_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.camera.name} #{self.slot} {self.label}"


class Broadcast(models.Model):
    """The live programme of a sitting, as its supervisor last recorded it."""

    class State(models.TextChoices):
        IDLE = "idle", _("Not started")
        STARTING = "starting", _("Starting")
        LIVE = "live", _("Live")
        RESTARTING = "restarting", _("Restarting")
        STOPPED = "stopped", _("Stopped")

    sitting = models.OneToOneField(Sitting, on_delete=models.PROTECT, related_name="broadcast")
    state = models.CharField(max_length=10, choices=State.choices, default=State.IDLE)
    pid = models.PositiveIntegerField(null=True, blank=True)
    restarts = models.PositiveIntegerField(default=0)
    health = models.JSONField(default=dict)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.sitting} ({self.get_state_display()})"
