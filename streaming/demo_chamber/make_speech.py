"""Make the demo chamber's sound, once, at development time (not by bin/demo): French
speech read by espeak-ng (Debian's `espeak-ng` package) from the text below, three voices
for the chair and two councillors, laid on one track with the times of each utterance,
encoded as Opus in OGG (chamber.ogg) beside its script (chamber.json).

    .venv/bin/python streaming/demo_chamber/make_speech.py

The demo (streaming.demo_chamber) holds the morning sitting of Ingeville on that
script's times, so that the floor log matches who is heard (R34).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np

HERE = Path(__file__).parent
RATE = 22_050  # espeak-ng's
GAP = 0.8  # seconds of silence between two utterances
# speaker: (espeak-ng voice, words per minute, pitch)
VOICES = {
    "chair": ("fr", 150, 45),
    "rapporteur": ("fr+f3", 155, 60),
    "councillor": ("fr-be+m3", 150, 35),
}
# (agenda item's position, speaker, text): items 1 and 2 debated, 3 and 4 brief.
SCRIPT = [
    (
        1,
        "chair",
        "Mes chers collègues, la séance est ouverte. Nous passons au premier point, "
        "le budget supplémentaire de la ville. "
        "Madame l'adjointe aux finances, vous avez la parole.",
    ),
    (
        1,
        "rapporteur",
        "Merci, monsieur le maire. Ce budget supplémentaire reprend le résultat "
        "de l'exercice précédent. Il inscrit huit cent mille euros pour la rénovation thermique "
        "des écoles, et deux cent mille euros pour la voirie.",
    ),
    (
        1,
        "councillor",
        "Notre groupe regrette la hausse des dépenses d'énergie. Sans économies "
        "sur le fonctionnement, nous voterons contre ce budget.",
    ),
    (1, "chair", "Je mets le budget supplémentaire aux voix."),
    (
        2,
        "chair",
        "Deuxième point, l'acquisition d'une parcelle rue des Tanneurs. "
        "Madame l'adjointe, vous avez la parole.",
    ),
    (
        2,
        "rapporteur",
        "La ville propose d'acheter la parcelle rue des Tanneurs pour cent "
        "quarante mille euros, le prix estimé par les domaines. Elle accueillera un jardin "
        "partagé.",
    ),
    (2, "chair", "Je mets la délibération aux voix."),
    (
        3,
        "chair",
        "Troisième point, la convention avec l'association Les Jardins de l'Inge. "
        "Je la mets aux voix.",
    ),
    (
        4,
        "chair",
        "Enfin, le chantier de la médiathèque avance, elle ouvrira en mars. "
        "L'ordre du jour est épuisé, la séance est levée.",
    ),
]


def speak(text: str, speaker: str, folder: Path) -> np.ndarray:
    voice, speed, pitch = VOICES[speaker]
    path = folder / "say.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), text],
        check=True,
    )
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def lay_out(folder: Path) -> tuple[list[tuple[float, np.ndarray]], dict[str, Any]]:
    """Each utterance spoken and placed on the track, GAP apart: the pieces of sound, and
    the script's times (each item taken up, each vote, each utterance, the close)."""
    at, pieces, utterances, items, votes = 1.5, [], [], {}, {}
    for position, speaker, text in SCRIPT:
        if position not in items:
            items[position] = round(at - 0.5, 2)  # taken up just before it is spoken of
        voice = speak(text, speaker, folder)
        end = at + len(voice) / RATE
        utterances.append({"item": position, "speaker": speaker, "start": round(at, 2),
                           "end": round(end, 2), "text": text})  # fmt: skip
        pieces.append((at, voice))
        at = end + GAP
        if "aux voix" in text:
            votes[position] = round(end + 0.3, 2)  # the ballot, at once
            at += 1.0
    closed = round(at, 2)
    times = {"duration": round(closed + 0.5, 2), "items": items, "votes": votes}
    return pieces, times | {"closed": closed, "utterances": utterances}


def encode(pieces: list[tuple[float, np.ndarray]], duration: float, folder: Path) -> None:
    """The pieces laid on one silent track of `duration` s, encoded as Opus in OGG."""
    sound = np.zeros(int(duration * RATE), dtype=np.int16)
    for start, voice in pieces:
        sound[int(start * RATE) : int(start * RATE) + len(voice)] = voice
    with wave.open(str(folder / "chamber.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(sound.tobytes())
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-i", str(folder / "chamber.wav"),
         "-c:a", "libopus", "-b:a", "20k", "-application", "voip", "-map_metadata", "-1",
         "-fflags", "+bitexact", str(HERE / "chamber.ogg")],
        check=True,
    )  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pieces, times = lay_out(folder)
        encode(pieces, times["duration"], folder)
    script = {
        "made_with": "espeak-ng (Debian), voices "
        + ", ".join(f"{k}: {v[0]}" for k, v in VOICES.items())
        + "; Opus 20 kb/s (streaming/demo_chamber/make_speech.py)",
        **times,
    }
    text = json.dumps(script, ensure_ascii=False, indent=1)
    (HERE / "chamber.json").write_text(text + "\n", encoding="utf-8")
    print(f"{times['duration']} s, {(HERE / 'chamber.ogg').stat().st_size} bytes")


if __name__ == "__main__":
    main()
