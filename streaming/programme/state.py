"""What the programme shows. The mixer starts from a state and control commands change it,
so a restarted mixer comes back showing exactly what it showed before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Slate:
    text: str
    colour: str  # 0xRRGGBB


# French on screen: it is what the public sees.
SLATES: dict[str, Slate] = {
    "before_start": Slate("La séance va bientôt commencer", "0x1D3557"),
    "suspended": Slate("Séance suspendue", "0xC07000"),
    "closed_session": Slate("Huis clos\u00a0: la retransmission est interrompue", "0x5A1A5A"),
    "lost_feed": Slate("Retransmission momentanément interrompue", "0x3A3A3A"),
    # At the close, for a few seconds before the broadcast ends (streaming.services).
    "closed": Slate("Séance levée", "0x0E6B50"),
}


@dataclass(frozen=True)
class LowerThird:
    name: str
    role: str
    item: str

    @property
    def detail(self) -> str:
        """The second line: the speaker's role and the current agenda item."""
        return " · ".join(part for part in (self.role, self.item) if part)


@dataclass
class ProgrammeState:
    cut: int = 0
    pip: int | None = None
    lower_third: LowerThird | None = None
    slate: str | None = None
    muted: bool = False

    @property
    def volume(self) -> int:
        """A slate silences the programme too: nothing of a closed session goes out."""
        return 0 if self.muted or self.slate else 1


def clean_text(text: str, limit: int = 120) -> str:
    """One line of printable text, of bounded length, for drawing on the picture."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:limit]


def state_as_dict(state: ProgrammeState) -> dict[str, object]:
    lt = state.lower_third
    return {
        "cut": state.cut,
        "pip": state.pip,
        "lower_third": None if lt is None else {"name": lt.name, "role": lt.role, "item": lt.item},
        "slate": state.slate,
        "muted": state.muted,
    }


def lower_third_from(data: object) -> LowerThird | None:
    """Cleaned as the control cleans it, so that a stored and an applied one compare equal."""
    if not isinstance(data, dict):
        return None
    texts = [clean_text(str(data.get(key) or "")) for key in ("name", "role", "item")]
    return LowerThird(*texts) if any(texts) else None


def state_from_dict(data: dict[str, object]) -> ProgrammeState:
    """The inverse of `state_as_dict`; unknown keys (the web side's own) are ignored."""
    pip = data.get("pip")
    slate = data.get("slate")
    return ProgrammeState(
        cut=int(data.get("cut") or 0),  # type: ignore[call-overload]
        pip=None if pip is None else int(pip),  # type: ignore[call-overload]
        lower_third=lower_third_from(data.get("lower_third")),
        slate=slate if isinstance(slate, str) and slate in SLATES else None,
        muted=bool(data.get("muted")),
    )


@dataclass(frozen=True)
class FeedState:
    """An input's feed as its ingest sees it."""

    live: bool  # the camera's own picture, not its lost-feed slate
    steady: bool  # live for a while: back for good, not flickering
    remote: bool = False  # the remote speaker's input, never a stand-in for a camera


def cut_on_air(wanted: int, current: int, feeds: Sequence[FeedState]) -> int:
    """The input the programme shows when the cut asked for is `wanted` and `current` is
    on air: never a camera's lost-feed slate while another camera is live.

    The wanted camera while its feed is live (once steady if the programme is elsewhere);
    when its feed is lost, the camera on air if it is live, else the wide shot (input 0),
    else the first live camera; the wanted one's slate only if no camera is live. So the
    programme cuts back to the speaker's camera when its feed returns, as long as the cut
    asked for is still that camera (the floor has not ended meanwhile)."""
    if not 0 <= wanted < len(feeds):
        return wanted
    if feeds[wanted].live and (feeds[wanted].steady or current == wanted):
        return wanted
    stand_ins: list[int] = [i for i in (current, 0, *range(len(feeds))) if 0 <= i < len(feeds)]
    for index in stand_ins:
        if index != wanted and feeds[index].live and not feeds[index].remote:
            return index
    return wanted
