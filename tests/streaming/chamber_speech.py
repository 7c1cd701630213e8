"""A council chamber's sound made with espeak-ng (Debian) from a known text, and a closed
sitting whose log gives the floor to two councillors in turn around a closed session: the
transcript tests' and the replay page's browser test's material."""

from __future__ import annotations

import datetime
import json
import subprocess
import wave
from pathlib import Path

import numpy as np
from django.utils import timezone

from sessions.models import Sitting, SittingLog, SpeakingRequest
from streaming.hls import recording_dir
from streaming.models import Broadcast, CutSpan
from streaming.replay import ffmpeg
from tests import factories

RATE = 22_050  # espeak-ng's
# What is said, when (seconds from the start of the recording): A on item 1, a closed
# session, B on item 2, the chair right after B's floor ends (no pause between them).
SAID = {
    "a": "Nous passons au budget primitif de la commune. Je propose de voter ce budget.",
    "closed": "Nous parlons maintenant du personnel de la mairie.",
    "b": "Nous passons aux travaux de la piscine. Les travaux commencent au printemps.",
    "chair": "Merci à tous. Bonne soirée.",
}


def speak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "fr", "-s", "130", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def record_chamber(folder: Path) -> tuple[Path, dict[str, tuple[float, float]]]:
    """One mixer run's recording (a still picture and the speech) and when each utterance
    starts and ends."""
    voices = {key: speak(text, folder / f"{key}.wav") for key, text in SAID.items()}
    starts = {"a": 2.0, "closed": 2.0 + len(voices["a"]) / RATE + 2.0}
    starts["b"] = starts["closed"] + len(voices["closed"]) / RATE + 3.0
    starts["chair"] = starts["b"] + len(voices["b"]) / RATE  # straight after B
    spans = {k: (starts[k], starts[k] + len(voices[k]) / RATE) for k in SAID}
    total = spans["chair"][1] + 1.5
    sound = np.zeros(int(total * RATE), dtype=np.int16)
    for key, voice in voices.items():
        at = int(starts[key] * RATE)
        sound[at : at + len(voice)] = voice
    with wave.open(str(folder / "chamber.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(sound.tobytes())
    part = folder / "part-0001.ts"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=160x90:r=10",
         "-i", str(folder / "chamber.wav"), "-t", f"{total:.2f}",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-ar", "48000", "-f", "mpegts", str(part)],
        check=True,
    )  # fmt: skip
    return part, spans


def closed_sitting(part: Path, spans: dict[str, tuple[float, float]]) -> tuple:
    """A closed sitting whose log gives the floor to A, then B, around a closed session,
    with `part` as its recording: (sitting, A, B, the chair)."""
    a = factories.assembly(members=5)
    s = factories.convened(a, items=2)
    first, second = s.items.order_by("position")
    first.title, second.title = "Budget primitif", "Travaux de la piscine"
    first.save(update_fields=["title"])
    second.save(update_fields=["title"])
    a_member, b_member = factories.councillors(a)[:2]
    t0 = timezone.now() - datetime.timedelta(hours=1)
    at = lambda seconds: t0 + datetime.timedelta(seconds=seconds)  # noqa: E731
    rec = recording_dir(s.pk)
    rec.mkdir(parents=True)
    (rec / "part-0001.ts").write_bytes(part.read_bytes())
    (rec / "part-0001.json").write_text(json.dumps({"run": 1, "started": t0.timestamp()}))
    log = lambda seconds, kind, **data: SittingLog.objects.create(  # noqa: E731
        sitting=s, at=at(seconds), kind=kind, data=data
    )
    log(0.5, "opened")
    log(1.0, "item_taken_up", item=first.pk)
    log(spans["b"][0] - 1.5, "item_taken_up", item=second.pk)
    log(spans["chair"][1] + 1.0, "closed")
    for member, (start, end), item in [
        (a_member, (1.0, spans["a"][1] + 0.5), first),
        (b_member, (spans["b"][0] - 1.0, spans["b"][1]), second),
    ]:
        SpeakingRequest.objects.create(
            sitting=s, item=item, member=member, state=SpeakingRequest.State.DONE,
            requested_at=at(start - 0.2), started_at=at(start), ended_at=at(end),
        )  # fmt: skip
    broadcast = Broadcast.objects.create(sitting=s)
    closed = spans["closed"]
    CutSpan.objects.create(
        broadcast=broadcast, kind=CutSpan.Kind.CLOSED_SESSION,
        started_at=at(closed[0] - 1.0), ended_at=at(closed[1] + 1.0),
    )  # fmt: skip
    s.state = Sitting.State.CLOSED
    s.save(update_fields=["state"])
    return s, a_member, b_member, factories.chair(a)


def stems_of(text: str) -> set[str]:
    """The words' first six letters: "primitif" and "primitive" both count (the small model
    hears the synthetic voice's endings loosely), "budget" and "budgets" too."""
    return {w.strip(".,!?;:'’").lower()[:6] for w in text.split()}
