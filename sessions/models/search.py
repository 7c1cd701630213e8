"""The search index of the public archive (its writes and reads: sessions.search)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """One thing the public may find: an agenda item of a convened sitting, a published
    deliberation, or a stretch of speech of the cut replay (closed sessions and protected
    speech already removed, R25, R33), with who had the floor and when in the replay."""

    class Kind(models.TextChoices):
        SPOKEN = "spoken", _("Spoken")
        ITEM = "item", _("Agenda item")
        DELIBERATION = "deliberation", _("Deliberation")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    sitting = models.ForeignKey("sittings.Sitting", on_delete=models.CASCADE, related_name="+")
    assembly = models.ForeignKey("council.Assembly", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        "sittings.AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deliberation = models.ForeignKey(
        "sittings.Deliberation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        "council.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    seconds = models.FloatField(null=True, blank=True)  # where in the replay (spoken only)
    until = models.FloatField(null=True, blank=True)
    text = models.TextField()

    class Meta:
        verbose_name_plural = _("search entries")
        indexes = [
            models.Index(fields=["sitting", "kind"], name="search_sitting_kind"),
            models.Index(fields=["member", "sitting"], name="search_member_sitting"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sitting_id}: {self.text[:60]}"
