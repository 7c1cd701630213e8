"""The transcripts' word error rate and real-time factor (streaming/transcript): French
speech made by espeak-ng from a known council text, recognised by the configured model
(SEANCE_TRANSCRIPT_MODEL, else the `[model]` extra's Whisper base) with the job's own
settings, at 2 threads (the job's) and at 1 (what live captions could have).

    .venv/bin/python bench/transcript_wer.py

Prints the WER against the text, the real-time factor (seconds of work per second of
sound) and whether live captions would fit in half a core. A benchmark: it never fails on
its figures. Baseline (Whisper base int8, this 2-core machine shared with other work):
WER 0.31 on espeak-ng's voice (a synthetic voice is harder than a person for Whisper),
RTF 0.09 at 2 threads and at 1 (29 s of sound in 2.5 s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
os.environ.setdefault("SEANCE_VAR_DIR", "/tmp/seance-bench-var")

TEXT = [
    "Mesdames et messieurs, la séance est ouverte.",
    "Nous passons au premier point de l'ordre du jour, le budget primitif de la commune.",
    "Le budget de fonctionnement est en hausse de deux pour cent.",
    "Je propose de voter ce budget.",
    "Nous passons aux travaux de la piscine municipale.",
    "Les travaux commencent au printemps et dureront six mois.",
    "Le conseil municipal approuve la convention avec le département.",
    "Merci à tous, la séance est levée.",
]
BASELINE_RTF = 0.09


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'")
    return re.findall(r"[\w']+", text)


def wer(reference: list[str], hypothesis: list[str]) -> float:
    """Word error rate: (substitutions + deletions + insertions) / reference words."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref != hyp)))  # fmt: skip
        previous = current
    return previous[-1] / max(1, len(reference))


def speech(folder: Path) -> Path:
    """The text spoken at a slow pace, as 16 kHz raw samples."""
    wav = folder / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "fr", "-s", "130", "-w", str(wav),
                    " ".join(TEXT)], check=True)  # fmt: skip
    from streaming.transcript.audio import extract_sound

    return extract_sound(wav, folder / "speech.s16")


def run(threads: int, sound: Path) -> tuple[str, float, float]:
    from django.conf import settings

    from streaming.transcript.audio import sound_seconds, sound_stretch
    from streaming.transcript.job import RECOGNISER
    from streaming.transcript.model import load_model, model_spec

    settings.SEANCE_TRANSCRIPT_THREADS = threads
    model = load_model(model_spec())
    seconds = sound_seconds(sound)
    started = time.perf_counter()
    found, _ = model.transcribe(sound_stretch(sound, 0, seconds), **RECOGNISER)
    said = " ".join(segment.text.strip() for segment in found)
    return said, seconds, time.perf_counter() - started


def main() -> None:
    import django

    django.setup()
    with tempfile.TemporaryDirectory() as tmp:
        sound = speech(Path(tmp))
        reference = words(" ".join(TEXT))
        for threads in (2, 1):
            said, seconds, spent = run(threads, sound)
            rate = wer(reference, words(said))
            rtf = spent / seconds
            print(f"threads={threads} sound={seconds:.1f}s work={spent:.1f}s "
                  f"RTF={rtf:.3f} (baseline {BASELINE_RTF}, ratio {rtf / BASELINE_RTF:.2f}) "
                  f"WER={rate:.3f}")  # fmt: skip
            if threads == 1:
                verdict = "fit" if rtf < 0.5 else "do not fit"
                print(f"live captions on one thread: RTF {rtf:.2f}, would {verdict} in half a "
                      "core (batch of 30 s windows, so at least 30 s behind)")  # fmt: skip
        print("heard:", said)


if __name__ == "__main__":
    main()
