"""Published acts, deliberations and the minutes of a sitting (their writes: sessions.minutes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    """An act put online (R31): a PDF that is never modified, its SHA-256, its author and
    capacity, and the date it went online. Published files are never rewritten."""

    class Kind(models.TextChoices):
        LIST = "list", _("List of deliberations")
        DELIBERATION = "deliberation", _("Deliberation")
        MINUTES = "minutes", _("Minutes")

    sitting = models.ForeignKey(
        "sittings.Sitting", on_delete=models.PROTECT, related_name="publications"
    )
    kind = models.CharField(max_length=14, choices=Kind.choices)
    title = models.CharField(max_length=400)
    document = models.FileField(upload_to="published/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    author_name = models.CharField(max_length=200)
    author_capacity = models.CharField(max_length=200)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The act's words as blocks (sessions/acts.py), from which the PDF was made: the
    # accessible page beside the PDF is made from them (R34). Empty for an older act.
    content = models.JSONField(default=dict, blank=True)
    # R31, optional: the RFC 3161 timestamp of the PDF's SHA-256 by the authority at
    # SEANCE_TSA_URL (its whole TimeStampResp, DER), asked for once the act is online and
    # retried until it comes (sessions/minutes/timestamps.py): "pending" meanwhile, "done"
    # once stored, "" when no authority is configured.
    timestamp = models.BinaryField(null=True, blank=True, editable=False)
    timestamp_at = models.DateTimeField(null=True, blank=True)  # the authority's genTime
    timestamp_state = models.CharField(max_length=8, blank=True, default="")
    timestamp_error = models.CharField(max_length=400, blank=True, default="")

    class Meta:
        ordering = ["published_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "kind"],
                condition=~models.Q(kind="deliberation"),
                name="one_list_and_one_minutes_per_sitting",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Deliberation(models.Model):
    """A decision of the council, numbered within its sitting (R31), recorded at the close."""

    sitting = models.ForeignKey(
        "sittings.Sitting", on_delete=models.PROTECT, related_name="deliberations"
    )
    item = models.OneToOneField(
        "sittings.AgendaItem", on_delete=models.PROTECT, related_name="deliberation"
    )
    number = models.PositiveSmallIntegerField()
    identifier = models.CharField(max_length=40, unique=True)
    subject = models.CharField(max_length=400)
    adopted = models.BooleanField()
    vote = models.ForeignKey(
        "voting.Vote", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Frozen from the vote: voices, cast, for, against, abstain (and the winner of an election).
    counts = models.JSONField(default=dict)
    matter_code = models.CharField(max_length=5, blank=True)
    decided_at = models.DateTimeField()
    publication = models.OneToOneField(
        Publication, on_delete=models.PROTECT, null=True, blank=True, related_name="deliberation"
    )

    class Meta:
        ordering = ["sitting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "number"], name="unique_deliberation_number")
        ]

    def __str__(self) -> str:
        return f"{self.identifier} — {self.subject}"


class Minutes(models.Model):
    """The procès-verbal (R28, R29): drafted, finalised, put on the agenda of the next
    sitting, adopted there by vote, signed by the chair and the secretary, published."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Ready for adoption")
        ON_AGENDA = "on_agenda", _("On the agenda of the next sitting")
        ADOPTED = "adopted", _("Adopted")
        SIGNED = "signed", _("Signed")
        PUBLISHED = "published", _("Published")

    sitting = models.OneToOneField(
        "sittings.Sitting", on_delete=models.PROTECT, related_name="minutes"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # The text as finalised: what is adopted, signed and published, word for word.
    content = models.JSONField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    adoption_item = models.OneToOneField(
        "sittings.AgendaItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="minutes_to_adopt",
    )
    adoption_vote = models.ForeignKey(
        "voting.Vote", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adopted_at = models.DateTimeField(null=True, blank=True)
    # Signatures (R29): name, capacity and time, as the signer's account gave them.
    chair_signature = models.JSONField(null=True, blank=True)
    secretary_signature = models.JSONField(null=True, blank=True)
    publication = models.OneToOneField(
        Publication, on_delete=models.PROTECT, null=True, blank=True, related_name="minutes"
    )

    class Meta:
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"PV — {self.sitting}"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT


class DebateSummary(models.Model):
    """The substance of the debates on one item, written by the secretary (R28)."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="summaries")
    item = models.ForeignKey("sittings.AgendaItem", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minutes", "item"], name="one_summary_per_item")
        ]
