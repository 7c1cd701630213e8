"""Cameras of a room and the broadcast of a sitting (R25, R33)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from council.models import Member, Room
from sessions.models import AgendaItem, Sitting


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
    # The camera's own account, for ONVIF's WS-Security UsernameToken (the password is
    # sent only as a digest). Never rendered on a page, in a log or in a repr: the admin
    # form takes it write-only and `__repr__` leaves it out.
    username = models.CharField(_("camera user name"), max_length=100, blank=True)
    password = models.CharField(_("camera password"), max_length=200, blank=True)

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

    def __repr__(self) -> str:
        return f"<Camera {self.pk}: {self.name} ({self.protocol} {self.control_address})>"


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
    """The live programme of a sitting, as its supervisor last recorded it.

    `programme` is what the programme shows (streaming.programme.state.ProgrammeState as a
    dict): the web side writes it, then sends the command to the running mixer; the
    supervisor reads it back every second, so a restarted mixer resumes it."""

    class State(models.TextChoices):
        IDLE = "idle", _("Not started")
        STARTING = "starting", _("Starting")
        LIVE = "live", _("Live")
        RESTARTING = "restarting", _("Restarting")
        STOPPING = "stopping", _("Stopping")
        STOPPED = "stopped", _("Stopped")
        FAILED = "failed", _("Failed")

    RUNNING = (State.STARTING, State.LIVE, State.RESTARTING)

    sitting = models.OneToOneField(Sitting, on_delete=models.PROTECT, related_name="broadcast")
    state = models.CharField(max_length=10, choices=State.choices, default=State.IDLE)
    programme = models.JSONField(default=dict)
    control_address = models.CharField(max_length=100, blank=True)
    worker = models.CharField(_("worker (host:pid)"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    pids = models.JSONField(default=list)  # every ffmpeg the supervisor owns, for cleanup
    restarts = models.PositiveIntegerField(default=0)
    health = models.JSONField(default=dict)
    # Where Janus forwards the speaker who joined by video (host, video_port, audio_port,
    # index of that input in the programme); kept by the runner across a handover.
    remote_input = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.sitting} ({self.get_state_display()})"


class CutSpan(models.Model):
    """A span of the sitting kept out of the replay: a closed session (R25), a protected
    speech muted live (R33), a suspension."""

    class Kind(models.TextChoices):
        CLOSED_SESSION = "closed_session", _("Closed session")
        PROTECTED = "protected", _("Protected speech")
        SUSPENDED = "suspended", _("Suspension")

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="cut_spans")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "kind"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_span_per_kind",
            ),
        ]


class Replay(models.Model):
    """The published recording of a sitting, with its cuts and chapters (R34)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    sitting = models.OneToOneField(Sitting, on_delete=models.PROTECT, related_name="replay")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    duration = models.FloatField(_("duration (s)"), default=0)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    chapters = models.JSONField(default=list)  # [{"start": s, "end": s, "title": ...}]
    cut = models.JSONField(default=list)  # [{"kind": ..., "start": s, "end": s}] of the recording
    # Where each kept stretch of the sitting is in the replay: [{"start": epoch s, "end":
    # epoch s, "offset": s}], to put the sitting's events on the replay's timeline.
    timeline = models.JSONField(default=list)
    transcript = models.TextField(_("transcript or captions (WebVTT)"), blank=True)
    error = models.TextField(blank=True)
    made_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.sitting} ({self.get_state_display()})"


class Transcript(models.Model):
    """The French transcript of a replay (R34), made after the sitting by a resumable job:
    its segments are stored as they are recognised, and the job resumes from the last one.
    `done` and `spent` (seconds of sound transcribed, seconds of work) give the progress
    and the time left."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Being transcribed")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    replay = models.OneToOneField(Replay, on_delete=models.CASCADE, related_name="transcription")
    replay_sha256 = models.CharField(max_length=64)  # the build of the replay transcribed
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    model = models.CharField(_("speech-to-text model"), max_length=200, blank=True)
    duration = models.FloatField(default=0)  # seconds of sound to transcribe
    done = models.FloatField(default=0)  # seconds of sound transcribed so far
    spent = models.FloatField(default=0)  # seconds of work so far (for the time left)
    worker = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    captioned_sha256 = models.CharField(max_length=64, blank=True)  # the MP4 with subtitles
    captioned_size = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.replay} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == self.State.READY:
            return 100
        return min(99, int(100 * self.done / self.duration)) if self.duration else 0

    @property
    def seconds_left(self) -> float | None:
        """Seconds of work left at the pace so far; None before any is measured."""
        if self.state == self.State.READY:
            return 0.0
        if self.done <= 0 or self.spent <= 0:
            return None
        return self.spent / self.done * max(0.0, self.duration - self.done)


class TranscriptSegment(models.Model):
    """A stretch of the transcript, on the replay's timeline, with who had the floor (the
    chair between speakers) and the agenda item under discussion, from the sitting's log.
    `words` are [start, end, word] as the recogniser timed them."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    words = models.JSONField(default=list)
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    item_title = models.CharField(_("agenda item"), max_length=400, blank=True)

    class Meta:
        ordering = ["transcript", "start", "id"]
