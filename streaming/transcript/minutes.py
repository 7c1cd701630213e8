"""One agenda item's transcript, by speaker, as the starting point of the summary of the
debates in the minutes (R28: "the substance of the debates"; R29: the secretary drafts).

A selector only: it reads the replay's transcript and writes nothing. The secretary takes
the text into the minutes' editor, rewrites it, and saves it through the minutes' own
service; nothing reaches the minutes from here without that. What was cut from the replay
(closed session, protected speech: R25, R33) was never transcribed, so it is not here
either."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from council.words import clock
from sessions.models import AgendaItem, Sitting

from ..models import Replay, Transcript, TranscriptSegment


@dataclass(frozen=True)
class Intervention:
    """Consecutive segments of one speaker on the item, joined into one paragraph."""

    speaker: str  # "Jeanne Martin (maire)"
    member_id: int | None
    start: float  # replay seconds
    end: float
    text: str

    @property
    def paragraph(self) -> str:
        return f"{self.speaker}\u00a0: {self.text}" if self.speaker else self.text


@dataclass(frozen=True)
class ItemTranscript:
    """What the minutes' editor offers for one item: the state of the sitting's transcript
    ("none", "pending", "running", "failed", "ready"), its progress and, when ready, the
    item's interventions in the order spoken."""

    state: str
    percent: int = 0
    seconds_left: float | None = None
    interventions: list[Intervention] = field(default_factory=list)

    @property
    def draft(self) -> str:
        return "\n\n".join(i.paragraph for i in self.interventions)

    @property
    def message(self) -> str:
        if self.state == "none":
            return _("There is no transcript of this sitting yet: it is made from the replay.")
        if self.state == "failed":
            return _(
                "The transcription of the replay failed; the clerk can ask for it again "
                "from the transcription page."
            )
        if self.state != "ready":
            text = _("The transcript is not finished yet: %(percent)s %% done.") % {
                "percent": self.percent
            }
            if self.seconds_left:
                text += " " + _("About %(left)s left.") % {"left": clock(self.seconds_left)}
            return text
        if not self.interventions:
            return _(
                "Nobody spoke on this item in the replay (what was said in closed session "
                "is not transcribed)."
            )
        count = len(self.interventions)
        return ngettext(
            "%(count)s intervention transcribed, from %(start)s to %(end)s. "
            "Reread and summarise it before you save.",
            "%(count)s interventions transcribed, from %(start)s to %(end)s. "
            "Reread and summarise them before you save.",
            count,
        ) % {
            "count": count,
            "start": clock(self.interventions[0].start),
            "end": clock(self.interventions[-1].end),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "percent": self.percent,
            "message": self.message,
            "draft": self.draft,
            "interventions": [
                {
                    "speaker": i.speaker,
                    "member": i.member_id,
                    "start": round(i.start, 2),
                    "end": round(i.end, 2),
                    "clock": clock(i.start),
                    "text": i.text,
                }
                for i in self.interventions
            ],
        }


def speaker_label(segment: TranscriptSegment) -> str:
    """The speaker as "Name (capacity)", the capacity in lower case as minutes write it."""
    role = segment.role.strip()
    if not role:
        return segment.speaker
    return f"{segment.speaker} ({role[0].lower()}{role[1:]})"


def _same_speaker(a: TranscriptSegment, b: TranscriptSegment) -> bool:
    return (a.member_id, a.speaker, a.role) == (b.member_id, b.speaker, b.role)


def by_speaker(segments: list[TranscriptSegment], item_id: int) -> list[Intervention]:
    """The item's segments grouped by consecutive speaker. `segments` is the whole
    transcript in order, so that a return to the item after another one starts a new
    paragraph even when the same person speaks on both sides of it."""
    out: list[Intervention] = []
    previous: TranscriptSegment | None = None
    for segment in segments:
        if segment.item_id != item_id:
            previous = None  # another item in between: a return starts a new paragraph
            continue
        text = " ".join(segment.text.split())
        if not text:
            continue
        if previous is not None and _same_speaker(previous, segment):
            last = out[-1]
            out[-1] = Intervention(
                last.speaker, last.member_id, last.start, segment.end, f"{last.text} {text}"
            )
        else:
            label = speaker_label(segment)
            out.append(Intervention(label, segment.member_id, segment.start, segment.end, text))
        previous = segment
    return out


def item_transcript(*, sitting: Sitting, item: AgendaItem) -> ItemTranscript:
    """The item's transcript from the sitting's replay as it is now built (a transcript of
    an earlier build of the replay is being redone: it counts as not finished)."""
    replay = Replay.objects.filter(sitting=sitting, state=Replay.State.READY).first()
    transcript = Transcript.objects.filter(replay=replay).first() if replay else None
    if replay is None or transcript is None:
        return ItemTranscript("none")
    if transcript.replay_sha256 != replay.sha256:
        return ItemTranscript(Transcript.State.PENDING)
    if transcript.state != Transcript.State.READY:
        return ItemTranscript(transcript.state, transcript.percent, transcript.seconds_left)
    segments = list(
        transcript.segments.only(
            "start", "end", "text", "member_id", "speaker", "role", "item_id"
        ).order_by("start", "id")
    )
    return ItemTranscript("ready", 100, 0.0, by_speaker(segments, item.pk))
