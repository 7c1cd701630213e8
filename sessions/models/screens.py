"""The room's screens' device tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Assembly


class ScreenToken(models.Model):
    """A device token for the room's screens (R-access): a display shows an assembly's
    sitting with no login, only this token in its URL. Only its SHA-256 is stored; the
    clerk sees the token once, when issuing it, and may revoke it at any time."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="screens")
    label = models.CharField(_("screen"), max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.label
