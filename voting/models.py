"""Votes, ballots and the tamper-evident vote log."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from council.models import Member
from sessions.models import AgendaItem, AppendOnly, Sitting


class Choice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstention")
    BLANK = "blank", _("Blank")


class Vote(models.Model):
    class Kind(models.TextChoices):
        HANDS = "hands", _("Show of hands")
        ELECTRONIC = "electronic", _("Electronic public vote")
        ROLL_CALL = "roll_call", _("Roll call (scrutin public)")
        SECRET = "secret", _("Secret ballot")
        ELECTION = "election", _("Election")

    class Purpose(models.TextChoices):
        """What the vote decides: an item's deliberation, or (R25) whether the council goes
        into closed session, a vote of its own tied to no item."""

        DELIBERATION = "deliberation", _("Deliberation")
        CLOSED_SESSION = "closed_session", _("Closed session (huis clos)")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("vote state", "Open")
        CLOSED = "closed", pgettext_lazy("vote state", "Closed")

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="votes")
    # None for a vote on the closed session (R25), which is tied to no item.
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="votes"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.DELIBERATION)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    question = models.CharField(max_length=300, blank=True)
    round_no = models.PositiveSmallIntegerField(default=1)
    previous_round = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_round"
    )
    candidates = models.ManyToManyField(Member, blank=True, related_name="candidacies")
    chair = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    # Frozen when the vote opens: who may vote (in their own name or by proxy) and the quorum.
    eligible = models.JSONField(default=list)
    quorum = models.JSONField(default=dict)
    requests = models.JSONField(default=dict)
    secret_waived = models.BooleanField(default=False)
    # R18: the council's unanimous waiver of the secret ballot (who was present, no
    # objection), copied from the sitting's log when the vote opens.
    waiver = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    adopted = models.BooleanField(null=True)
    winner = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting"], condition=models.Q(state="open"), name="one_open_vote"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item or self.get_purpose_display()} — {self.get_kind_display()}"

    @property
    def is_secret(self) -> bool:
        return self.kind in (self.Kind.SECRET, self.Kind.ELECTION)

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Ballot(models.Model):
    """A public ballot: the member in whose name it is cast, and who cast it (R15, R22)."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    cast_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    client_id = models.CharField(max_length=64)
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="one_ballot_per_member"),
            models.UniqueConstraint(fields=["vote", "client_id"], name="unique_ballot_client_id"),
        ]


class SecretParticipation(models.Model):
    """Who has voted in a secret ballot, kept apart from what was voted."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="participations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    cast_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=64)
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="one_secret_per_member"),
            models.UniqueConstraint(fields=["vote", "client_id"], name="unique_secret_client_id"),
        ]


class SecretBallot(models.Model):
    """An anonymous ballot: a random key, no member, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="secret_ballots")
    choice = models.CharField(max_length=20)


class VoteRecord(AppendOnly):
    """The vote log: every event chained by SHA-256 to the one before."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=20)
    payload = models.JSONField()
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]


class ChainHead(models.Model):
    """One row, locked while a record is appended, so the chain stays a line."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
