"""The link of an assembly to S²LOW, and each act's transmission to the prefecture (their
writes: sessions.prefecture)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrefectureLink(models.Model):
    """How an assembly reaches S²LOW: the platform's address and the collectivity's RGS
    certificate (a client TLS certificate and its key, files on the server), the
    authorities it trusts, and the entity that exercises the contrôle de légalité."""

    assembly = models.OneToOneField(
        "council.Assembly", on_delete=models.CASCADE, related_name="prefecture_link"
    )
    base_url = models.URLField(_("S²LOW address"), help_text=_("e.g. https://s2low.example.fr"))
    certificate_path = models.CharField(_("client certificate (PEM file)"), max_length=500)
    key_path = models.CharField(
        _("private key of the certificate (PEM file)"), max_length=500, blank=True
    )
    ca_path = models.CharField(
        _("authorities to trust for S²LOW (PEM file)"),
        max_length=500,
        blank=True,
        help_text=_("Empty: the system's authorities."),
    )
    # SCDL PREF_ID: PREFNNN (prefecture), SPREFNNNM (sub-prefecture) or SGARNNN.
    control_entity = models.CharField(
        _("entity exercising the contrôle de légalité"),
        max_length=9,
        help_text=_("PREFNNN, SPREFNNNM or SGARNNN, e.g. PREF038."),
    )
    enabled = models.BooleanField(_("transmit the acts"), default=True)

    class Meta:
        verbose_name = _("link to the prefecture (S²LOW)")

    def __str__(self) -> str:
        return f"{self.assembly} → {self.base_url}"


class Transmission(models.Model):
    """One act sent to the contrôle de légalité: a job of its own, whose idempotency key is
    the act's number, which S²LOW also sees and keeps unique per collectivity (a try whose
    answer was lost looks the number up before posting again). State machine:
    queued → posting → posted → acknowledged, or refused (by S²LOW or the prefecture);
    a failed try goes back to queued (or, once posted, keeps polling) with a backoff."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        POSTING = "posting", _("Being sent")
        POSTED = "posted", _("Sent, awaiting the acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the prefecture")
        REFUSED = "refused", _("Refused")

    publication = models.OneToOneField(
        "sittings.Publication", on_delete=models.PROTECT, related_name="transmission"
    )
    sitting = models.ForeignKey(
        "sittings.Sitting", on_delete=models.PROTECT, related_name="transmissions"
    )
    # What S²LOW is sent (frozen when queued): the @ctes number, nature and matter.
    number = models.CharField(max_length=15)
    nature_code = models.CharField(max_length=2)
    matter_code = models.CharField(max_length=5)
    decision_date = models.DateField()
    subject = models.CharField(max_length=499)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    s2low_id = models.CharField(max_length=20, blank=True)
    s2low_status = models.IntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    refusal = models.TextField(blank=True)
    # The prefecture's acknowledgement (ARActe): its act identifier, date and XML.
    act_id = models.CharField(max_length=60, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    control_entity = models.CharField(max_length=9, blank=True)
    aracte = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sitting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "number"], name="one_number_per_act")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_state_display()})"
