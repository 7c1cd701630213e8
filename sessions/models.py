"""Sittings, agenda, convocation, attendance, proxies and the speaking queue."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Assembly, CommuneCouncillor, Member, Room

from .minutes import actes


def _token() -> str:
    return secrets.token_urlsafe(32)


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


class Convocation(models.Model):
    """The convocation as sent, entered in the register and published (R9)."""

    sitting = models.OneToOneField(Sitting, on_delete=models.CASCADE, related_name="convocation")
    register_number = models.CharField(max_length=40, unique=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    clear_days = models.IntegerField()
    notice_required = models.IntegerField()
    pdf = models.FileField(upload_to="convocations/")
    pdf_sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField()
    # Its words as blocks (sessions/acts.py), from which the PDF was made: the accessible
    # page beside the PDF is made from them (R34). Empty for an older convocation.
    content = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.register_number


class EmailDelivery(models.Model):
    """One e-mail's delivery to one recipient: each dispatch is a job of its own, retried
    with backoff; `sent_at` is the latest dispatch the mail server accepted, the token's
    link the proof of opening (sessions.services.delivery)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Will be retried")
        FAILED = "failed", _("Failed")

    email = models.EmailField(blank=True)
    token = models.CharField(max_length=64, unique=True, default=_token)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The dispatch a job belongs to: a re-send starts a new one, and a job of an older
    # dispatch, or one already accepted by the server, sends nothing.
    dispatch = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ConvocationRecipient(EmailDelivery):
    """One member's copy of the convocation and its delivery."""

    convocation = models.ForeignKey(
        Convocation, on_delete=models.CASCADE, related_name="recipients"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="convocations")
    paper_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["member__last_name", "member__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["convocation", "member"], name="unique_recipient")
        ]


class CouncillorCopy(EmailDelivery):
    """R32: one copy, to a member commune's councillor who does not sit in the EPCI's
    council, of the convocation, the list of deliberations or the minutes, delivered as the
    members' convocations are (one job per dispatch, retried; `sent_at` is the latest
    dispatch the mail server accepted; the token's link is the proof of opening)."""

    class Kind(models.TextChoices):
        CONVOCATION = "convocation", _("Convocation")
        LIST = "list", _("List of deliberations")
        MINUTES = "minutes", _("Minutes")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="councillor_copies")
    councillor = models.ForeignKey(
        CommuneCouncillor, on_delete=models.PROTECT, related_name="copies"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    publication = models.ForeignKey(
        "sittings.Publication", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "councillor__last_name", "councillor__first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "kind", "councillor"], name="unique_councillor_copy"
            )
        ]


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


class Interest(models.Model):
    """A member's declared personal interest in an item (L2131-11)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="interests")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="interests")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="unique_interest")]


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


class SpeakingRequest(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Has the floor")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="speaking_requests")
    item = models.ForeignKey(AgendaItem, on_delete=models.SET_NULL, null=True, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "member"],
                condition=models.Q(state__in=["waiting", "speaking"]),
                name="one_open_request_per_member",
            ),
            models.UniqueConstraint(
                fields=["sitting"],
                condition=models.Q(state="speaking"),
                name="one_speaker",
            ),
        ]

    @property
    def seconds_spoken(self) -> int | None:
        if self.started_at is None:
            return None
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())


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


# The minutes' models belong to this app; they live in their own module.
from .minutes.models import DebateSummary, Deliberation, Minutes, Publication  # noqa: E402, F401
from .prefecture.models import PrefectureLink, Transmission  # noqa: E402, F401
from .search.models import SearchEntry  # noqa: E402, F401
