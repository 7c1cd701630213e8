"""Who had the floor, and on which item, at each moment of the replay (R34), from the
sitting's own records: the item take-ups of its log and the floor given and ended in its
speaking queue. Between two speakers the floor is the chair's. No diarisation: the
sitting knows who spoke.

Times are wall clock times of the sitting, put on the replay's timeline through the
replay's kept stretches (`Replay.timeline`); what was cut from the replay is cut from the
turns too. A recognised segment that spans a change of floor or of item is split there,
word by word, by the words' own timestamps.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

from council.models import Member
from sessions.models import AgendaItem, Sitting, SpeakingRequest

from ..models import Replay
from ..selectors import sitting_window

Word = tuple[float, float, str]  # start, end (replay s), text with its leading space


@dataclass(frozen=True)
class Turn:
    """A stretch of the replay with one speaker on one item."""

    start: float
    end: float
    member: Member | None
    speaker: str
    role: str
    item: AgendaItem | None
    item_title: str

    def same_floor(self, other: Turn) -> bool:
        return (self.member_id, self.speaker, self.item_id) == (
            other.member_id, other.speaker, other.item_id
        )  # fmt: skip

    @property
    def member_id(self) -> int | None:
        return self.member.pk if self.member else None

    @property
    def item_id(self) -> int | None:
        return self.item.pk if self.item else None


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    turn: Turn | None = None


# --- the replay's timeline ----------------------------------------------------------------


def timeline(replay: Replay) -> list[tuple[float, float, float]]:
    """(wall start, wall end, replay offset) of each kept stretch. A replay built before
    the timeline was recorded: rebuilt from its window and cut list (its restart gaps, if
    any, are then not known)."""
    if replay.timeline:
        return [(p["start"], p["end"], p["offset"]) for p in replay.timeline]
    window = sitting_window(replay.sitting)
    if window is None:
        return []
    opened = window[0]
    stretches, at, offset = [], 0.0, 0.0
    for cut in sorted(replay.cut, key=lambda c: c["start"]):
        if cut["start"] > at:
            stretches.append((opened + at, opened + cut["start"], offset))
            offset += cut["start"] - at
        at = max(at, cut["end"])
    stretches.append((opened + at, opened + at + replay.duration - offset, offset))
    return stretches


def on_replay(
    span: tuple[float, float], stretches: list[tuple[float, float, float]]
) -> Iterator[tuple[float, float]]:
    """The parts of a wall clock span that are in the replay, as replay spans."""
    a, b = span
    for start, end, offset in stretches:
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            yield offset + lo - start, offset + hi - start


# --- turns --------------------------------------------------------------------------------


def chair_of(sitting: Sitting) -> Member | None:
    if sitting.chair_id:
        return sitting.chair
    return sitting.assembly.members.filter(role=Member.Role.CHAIR).first()


def floor_turns(sitting: Sitting, replay: Replay) -> list[Turn]:
    """The replay cut into turns: (speaker, item) constant within each, in order."""
    window = sitting_window(sitting)
    stretches = timeline(replay)
    if not stretches:
        return []
    begin = stretches[0][0] if window is None else window[0]
    end = stretches[-1][1] if window is None or window[1] == float("inf") else window[1]
    items = {item.pk: item for item in sitting.items.all()}
    takeups = [
        (entry.at.timestamp(), items.get(entry.data.get("item")))
        for entry in sitting.log.filter(kind="item_taken_up").order_by("at", "id")
    ]
    floors = [
        (r.started_at.timestamp(), (r.ended_at.timestamp() if r.ended_at else end), r.member)
        for r in SpeakingRequest.objects.filter(sitting=sitting, started_at__isnull=False)
        .select_related("member", "member__assembly")
        .order_by("started_at", "id")
        if r.started_at is not None
    ]
    cuts = {begin, end, *(t for t, _ in takeups), *(t for f in floors for t in f[:2])}
    marks = sorted(t for t in cuts if begin <= t <= end)
    chair = chair_of(sitting)
    turns: list[Turn] = []
    for a, b in zip(marks, marks[1:], strict=False):
        turn = _turn_at(a, takeups, floors, chair)
        for lo, hi in on_replay((a, b), stretches):
            last = turns[-1] if turns else None
            if last is not None and last.same_floor(turn) and abs(last.end - lo) < 0.01:
                turns[-1] = replace(last, end=hi)
            else:
                turns.append(replace(turn, start=lo, end=hi))
    return turns


def _turn_at(
    t: float,
    takeups: list[tuple[float, AgendaItem | None]],
    floors: list[tuple[float, float, Member]],
    chair: Member | None,
) -> Turn:
    item = None
    for at, taken in takeups:
        if at <= t:
            item = taken
    speaker = next((m for s, e, m in floors if s <= t < e), None) or chair
    title = f"{item.position}. {item.title}" if item else ""
    if speaker is None:
        return Turn(0, 0, None, _("The chair"), "", item, title)
    return Turn(0, 0, speaker, speaker.full_name, speaker.capacity, item, title)


# --- attribution --------------------------------------------------------------------------


def attribute(segments: list[Segment], turns: list[Turn]) -> list[Segment]:
    """Each segment with its turn; one that spans a change of turn is split at the change,
    each word going to the turn in force at its middle."""
    if not turns:
        return segments
    starts = [turn.start for turn in turns]
    out: list[Segment] = []
    for seg in segments:
        words = seg.words or [(seg.start, seg.end, seg.text)]
        groups: list[tuple[Turn, list[Word]]] = []
        for word in words:
            turn = turns[max(0, bisect.bisect_right(starts, (word[0] + word[1]) / 2) - 1)]
            if groups and groups[-1][0] is turn:
                groups[-1][1].append(word)
            else:
                groups.append((turn, [word]))
        if len(groups) == 1:
            out.append(replace(seg, turn=groups[0][0]))
            continue
        for turn, part in groups:
            text = "".join(w[2] for w in part).strip()
            if text:
                out.append(Segment(part[0][0], part[-1][1], text, part, turn))
    return out
