"""The agenda: its items, their papers, the members' declared interests, and the subjects
councillors propose for it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Member

from . import actes
from .sitting import Sitting


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        DELIBERATION = "deliberation", _("Deliberation")
        INFORMATION = "information", _("Information")
        ELECTION = "election", _("Election")
        NOMINATION = "nomination", _("Nomination")
        BUDGET = "budget", _("Budget primitif")
        ACCOUNTS = "accounts", _("Compte administratif")
        QUESTION = "question", _("Oral question")
        MINUTES = "minutes", _("Adoption of the minutes")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CURRENT = "current", _("Under discussion")
        DONE = "done", _("Done")
        POSTPONED = "postponed", _("Postponed")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=14, choices=Kind.choices, default=Kind.DELIBERATION
    )
    summary = models.TextField(_("summary"), blank=True)
    rapporteur = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rapporteur"),
    )
    urgent = models.BooleanField(_("added under urgency"), default=False)
    matter = models.CharField(
        _("matter (ACTES nomenclature)"), max_length=5, choices=actes.CHOICES, blank=True
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why the item was carried: "" for a second convocation (R12), or
    # "secret_teleconference" for an item postponed by a secret-ballot request in a
    # sitting held by teleconference (R27).
    carried_because = models.CharField(max_length=24, blank=True)

    class Meta:
        ordering = ["sitting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "position"], name="unique_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def is_deliberative(self) -> bool:
        return self.kind not in (self.Kind.INFORMATION, self.Kind.QUESTION)

    @property
    def needs_synthesis_note(self) -> bool:
        # The minutes to adopt are their own explanation.
        return self.is_deliberative and self.kind != self.Kind.MINUTES

    @property
    def matter_code(self) -> str:
        return self.matter or actes.BY_ITEM_KIND.get(self.kind, "")


class Document(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        SYNTHESIS = "synthesis", _("Note explicative de synthèse")
        ANNEX = "annex", _("Annex")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="documents/%Y/")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "kind", "id"]

    def __str__(self) -> str:
        return self.title


class Interest(models.Model):
    """A member's declared personal interest in an item (L2131-11)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="interests")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="interests")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="unique_interest")]


class ItemProposal(models.Model):
    """A subject a councillor proposes for a sitting's agenda before its convocation (seed
    002: "chacun peut y ajouter un sujet"); the clerk or the chair accepts it (a new item),
    merges it into an item already on the agenda (its proposer credited) or declines it
    with a reason. R3: once the convocation is sent the agenda is fixed, and so is this."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        ACCEPTED = "accepted", _("Accepted")
        MERGED = "merged", _("Merged into an item")
        DECLINED = "declined", _("Declined")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="proposals")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("subject"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title
