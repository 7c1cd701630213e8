"""Written proxies (pouvoirs, R14) and the sittings each one covers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Member

from .sitting import Sitting


class Proxy(models.Model):
    """A written proxy (pouvoir, R14) covering one to three consecutive sittings."""

    grantor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="proxies_given")
    holder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="proxies_held")
    document = models.FileField(upload_to="proxies/%Y/")
    illness = models.BooleanField(_("duly established illness"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(grantor=models.F("holder")), name="proxy_not_to_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.holder}"


class ProxyCover(models.Model):
    """One sitting covered by a proxy. A holder's proxies take numbered slots, 1 to the
    regime's `proxies_per_holder` (R14; two in the historical regime, R13): the service
    gives the slot, the database keeps one active proxy per slot and one per grantor."""

    proxy = models.ForeignKey(Proxy, on_delete=models.CASCADE, related_name="covers")
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="proxy_covers")
    grantor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "holder", "slot"],
                condition=models.Q(active=True),
                name="one_proxy_per_holder_slot",
            ),
            models.CheckConstraint(condition=models.Q(slot__gte=1), name="proxy_slot_from_one"),
            models.UniqueConstraint(
                fields=["sitting", "grantor"],
                condition=models.Q(active=True),
                name="one_proxy_per_grantor_per_sitting",
            ),
        ]
