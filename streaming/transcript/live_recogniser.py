"""Whisper (the transcript's model, streaming.transcript.model) as the live captions use
it: on one CPU thread, beam search, text only, and on a short window: the encoder is given
the chunk padded to WINDOW seconds, not the 30 s window of a batch transcription, since its
cost follows the window's length (bench/live_captions.py measures it)."""

from __future__ import annotations

import numpy as np

from .audio import RATE
from .job import LANGUAGE
from .model import load_model, model_spec

WINDOW = 10.0  # seconds of sound the encoder sees (the chunk, then silence)
# A beam of 5 costs little next to the encoder, and words: WER 0.68 against 0.75 greedy
# (bench/live_captions.py's text, offline).
BEAM = 5
NO_SPEECH = 0.6  # Whisper's own "no speech" probability above which nothing is kept
TOKENS_PER_SECOND = 12  # the most a chunk may come out as: no repetition loop on air


class Recogniser:
    """Whisper (the transcript's model, streaming.transcript.model) on one CPU thread,
    beam search, text only, on a short window. Built in the thread that uses it: CTranslate2's
    worker thread inherits its priority."""

    def __init__(self) -> None:
        # faster-whisper is the optional speech-to-text stack (CTranslate2 and its model):
        # imported where a recogniser is built, as streaming.transcript.model loads it.
        from faster_whisper.tokenizer import Tokenizer

        self.model = load_model(model_spec(), threads=1)
        self.tokenizer = Tokenizer(
            self.model.hf_tokenizer, True, task="transcribe", language=LANGUAGE
        )

    def __call__(self, samples: np.ndarray) -> str:
        seconds = len(samples) / RATE
        width = int(max(WINDOW, seconds) * RATE)
        padded = np.zeros(width, dtype=np.float32)
        padded[: len(samples)] = samples
        features = self.model.feature_extractor(padded, padding=0)[:, : width // 160]
        encoded = self.model.encode(features)
        prompt = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        result = self.model.model.generate(
            encoded, [prompt], beam_size=BEAM, max_length=len(prompt) + 8 + int(
                TOKENS_PER_SECOND * seconds), return_no_speech_prob=True, suppress_blank=True,
            repetition_penalty=1.1, no_repeat_ngram_size=3,
        )[0]  # fmt: skip
        if result.no_speech_prob > NO_SPEECH:
            return ""
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        return " ".join(self.tokenizer.decode(tokens).split())
