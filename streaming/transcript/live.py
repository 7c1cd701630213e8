"""Live captions (R34 asks them of replays only; live streams are exempt, this is a
courtesy): the programme's sound recognised a few seconds behind, published as a WebVTT
subtitles rendition of the HLS ladder (RFC 8216, 3.5: `subtitles/index.m3u8`, one `.vtt`
segment per segment of the audio rendition, same sequence numbers, durations, dates and
discontinuities, so that a player lines the two up).

A `LiveCaptions` worker runs beside the mixer (the runner starts and stops it), in a
thread of its own at a lower priority, with the recogniser on one CPU thread. It reads
the public audio playlist, decodes each new segment (PyAV, in the process), gathers the
sound into chunks of a few seconds cut at a pause, and recognises each chunk alone:

- Whisper's encoder is given the chunk padded to WINDOW seconds, not the 30 s window of a
  batch transcription: its cost follows the window's length (10 s of it cost a seventh of
  30 s's), which is what lets one thread keep up (bench/live_captions.py measures it).
- Silence is never recognised: the closed session's slate and protected speech cut the
  programme's sound to nothing (`ProgrammeState.volume`), so they carry no captions, and
  Whisper, given silence, invents words.
- The speaker is who has the floor when the chunk begins (`speaker`), named at the first
  caption of their turn, as the replay's captions do (`captions.captions_vtt`).

Each caption's time is the programme's own (the audio segments' media timestamps), given
to the player by each segment's X-TIMESTAMP-MAP (RFC 8216, 3.5).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from ..hls import ENDLIST, PUBLIC_PLAYLIST, write_atomically
from ..replay import vtt_time
from .audio import RATE
from .captions import escape

logger = logging.getLogger(__name__)

FOLDER = "subtitles"  # the rendition's folder under the sitting's HLS folder
PLAYLIST = f"{FOLDER}/{PUBLIC_PLAYLIST}"
AUDIO_PLAYLIST = f"audio/{PUBLIC_PLAYLIST}"
WINDOW = 10.0  # seconds of sound the encoder sees (the chunk, then silence)
MIN_CHUNK = 4.0  # a chunk is cut at a pause once it is this long...
MAX_CHUNK = 7.0  # ...and at its quietest moment when it reaches this
PAUSE = 0.4  # seconds of quiet that end a chunk
FRAME = 0.1  # the step at which a chunk's quietest moment is looked for
SILENCE_DBFS = -45.0  # quieter than this (RMS) is silence: nothing said
QUIET_DBFS = -38.0  # a pause between words
# A beam of 5 costs little next to the encoder, and words: WER 0.68 against 0.75 greedy
# (bench/live_captions.py's text, offline).
BEAM = 5
NO_SPEECH = 0.6  # Whisper's own "no speech" probability above which nothing is kept
TOKENS_PER_SECOND = 12  # the most a chunk may come out as: no repetition loop on air
# A caption stays up this long after its chunk, over the next one's start (two lines roll
# up, as live captions do): it reaches the player a few seconds late, and stays readable.
HOLD = 2.0
POLL = 0.2
NICE = 10  # the worker's priority below the mixer's and the web's
KEEP = 40  # cues kept in memory (a minute and more), to write a segment's again


def dbfs(samples: np.ndarray) -> float:
    if not len(samples):
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20 * np.log10(max(rms, 1e-6))


class Recogniser:
    """Whisper (the transcript's model, streaming.transcript.model) on one CPU thread,
    beam search, text only, on a short window. Built in the thread that uses it: CTranslate2's
    worker thread inherits its priority."""

    def __init__(self) -> None:
        from faster_whisper.tokenizer import Tokenizer

        from .job import LANGUAGE
        from .model import load_model, model_spec

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


@dataclass(frozen=True)
class AudioSegment:
    """One segment of the public audio playlist, as listed there."""

    sequence: int  # its media sequence number
    uri: str
    tags: tuple[str, ...]  # its lines before the URI (EXTINF, date, discontinuity)
    discontinuity: bool

    @property
    def vtt(self) -> str:
        return Path(self.uri).stem + ".vtt"


@dataclass
class Playlist:
    header: list[str]
    segments: list[AudioSegment]
    ended: bool


def parse_audio_playlist(text: str) -> Playlist:
    lines = [line for line in text.splitlines() if line.strip()]
    header: list[str] = []
    segments: list[AudioSegment] = []
    sequence, tags, started = 0, [], False
    for line in lines:
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        opens = line.startswith(("#EXTINF", "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-MAP"))
        started = started or opens or line == "#EXT-X-DISCONTINUITY"
        if not started:
            header.append(line)
        elif line.startswith("#EXT-X-MAP") or line == ENDLIST:
            continue
        elif line.startswith("#"):
            tags.append(line)
        else:
            segments.append(
                AudioSegment(sequence, line, tuple(tags), "#EXT-X-DISCONTINUITY" in tags)
            )
            sequence, tags = sequence + 1, []
    return Playlist(header, segments, ENDLIST in lines)


def decode_segment(init: bytes, segment: bytes) -> tuple[float, np.ndarray]:
    """An fMP4 audio segment's media time (s) and its sound as 16 kHz mono float32."""
    import av

    start: float | None = None
    chunks: list[np.ndarray] = []
    container: Any = av.open(io.BytesIO(init + segment), format="mp4")
    with container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            if start is None and frame.pts is not None and frame.time_base is not None:
                start = float(frame.pts * frame.time_base)
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return start or 0.0, samples.astype(np.float32)


@dataclass(frozen=True)
class Cue:
    number: int
    run: int  # the discontinuity it belongs to (media times restart with the mixer)
    start: float  # media time, s
    end: float
    text: str  # already as WebVTT cue text


@dataclass
class Chunk:
    """Sound gathered for the recogniser, from `start` (media time) on."""

    run: int
    start: float
    samples: list[np.ndarray] = field(default_factory=list)
    speaker: str = ""

    @property
    def sound(self) -> np.ndarray:
        return np.concatenate(self.samples) if self.samples else np.zeros(0, np.float32)

    @property
    def seconds(self) -> float:
        return sum(len(s) for s in self.samples) / RATE


def cut_point(sound: np.ndarray) -> int | None:
    """Where to end the chunk `sound`, in samples, or None to wait for more: at a pause
    once MIN_CHUNK long, at the quietest FRAME between MIN_CHUNK and MAX_CHUNK after that."""
    seconds = len(sound) / RATE
    if seconds < MIN_CHUNK:
        return None
    if dbfs(sound[-int(PAUSE * RATE) :]) < QUIET_DBFS:
        return len(sound)
    if seconds < MAX_CHUNK:
        return None
    step = int(FRAME * RATE)
    first, last = int(MIN_CHUNK * RATE), min(len(sound), int(MAX_CHUNK * RATE)) - step
    quietest = min(range(first, last + 1, step), key=lambda i: dbfs(sound[i : i + step]))
    return quietest + step // 2


@dataclass
class Written:
    """A segment whose captions are written, and the media time span it covers."""

    segment: AudioSegment
    run: int
    start: float
    end: float


class LiveCaptions:
    """The subtitles rendition of one broadcast (see the module's docstring)."""

    def __init__(
        self,
        directory: Path,
        speaker: Callable[[], str] | None = None,
        recogniser: Callable[[np.ndarray], str] | None = None,
    ) -> None:
        self.directory = directory
        self.speaker = speaker or (lambda: "")
        self.recogniser = recogniser
        self.cues: list[Cue] = []
        self.done: dict[str, Written] = {}  # by audio URI: segments read, their times
        self.pending: list[Written] = []  # read, their sound in `chunk`, not yet captioned
        self.chunk: Chunk | None = None
        self.run = 0
        self.last_speaker = ""
        self.numbers = 0
        self.spent = 0.0  # seconds of recognition, and of sound recognised
        self.heard = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._written: set[str] = set()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="live-captions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """After the mixer has stopped: the last sound is captioned, the playlist written."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        with contextlib.suppress(OSError):  # per thread on Linux
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        try:
            if self.recogniser is None:
                self.recogniser = Recogniser()
            while not self._stopping.wait(POLL):
                self._step_logged()
            self._step_logged(final=True)
        except Exception:  # no model: the broadcast goes on without captions
            logger.exception("live captions of %s stopped", self.directory)
        finally:
            from django.db import connection

            connection.close()  # this thread's own, if the speaker's look-up opened one

    # --- one round -------------------------------------------------------------------

    def _step_logged(self, final: bool = False) -> None:
        """A round that fails (a full disk, a folder gone) is logged; the next one runs."""
        try:
            self.step(final)
        except Exception:
            logger.exception("live captions of %s: a round failed", self.directory)
            self._stopping.wait(1.0)

    def step(self, final: bool = False) -> None:
        text = _read(self.directory / AUDIO_PLAYLIST)
        if not text:
            return
        playlist = parse_audio_playlist(text)
        init = self._init(text)
        for segment in playlist.segments:
            if segment.uri in self.done or init is None:
                continue
            try:
                start, sound = decode_segment(
                    init, (self.directory / "audio" / segment.uri).read_bytes()
                )
            except (OSError, ValueError) as error:  # gone from the window meanwhile
                logger.warning("live captions: segment %s skipped (%s)", segment.uri, error)
                sound, start = np.zeros(0, np.float32), 0.0
            self.take(segment, start, sound)
        if final or playlist.ended:
            self.flush()
        self.write(playlist)

    def _init(self, text: str) -> bytes | None:
        found = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text)
        if not found:
            return None
        try:
            return (self.directory / "audio" / found[-1]).read_bytes()
        except OSError:
            return None

    def take(self, segment: AudioSegment, start: float, sound: np.ndarray) -> None:
        """A new audio segment: its sound joins the chunk, which is recognised when cut."""
        if segment.discontinuity and self.chunk is not None:
            self.flush()
        if segment.discontinuity or self.chunk is None and not self.done:
            self.run += 1
        written = Written(segment, self.run, start, start + len(sound) / RATE)
        self.done[segment.uri] = written
        if self.chunk is None:
            self.chunk = Chunk(self.run, start, speaker=self.speaker())
        self.chunk.samples.append(sound)
        self.pending.append(written)
        self.cut()

    def cut(self) -> None:
        assert self.chunk is not None
        sound = self.chunk.sound
        if dbfs(sound) < SILENCE_DBFS and (not len(sound) or self.chunk.seconds >= 1.0):
            self.chunk, self.pending = None, []  # silence: nothing to say
            return
        at = cut_point(sound)
        if at is None:
            return
        self.recognise(self.chunk, sound[:at])
        rest = sound[at:]
        start = self.chunk.start + at / RATE
        self.pending = [w for w in self.pending if w.end > start + 0.01]
        self.chunk = Chunk(self.run, start, [rest], speaker=self.speaker()) if len(rest) else None

    def flush(self) -> None:
        if self.chunk is not None and self.chunk.seconds and dbfs(self.chunk.sound) >= SILENCE_DBFS:
            self.recognise(self.chunk, self.chunk.sound)
        self.chunk, self.pending = None, []

    def recognise(self, chunk: Chunk, sound: np.ndarray) -> None:
        if dbfs(sound) < SILENCE_DBFS or len(sound) < RATE // 4:
            return
        assert self.recogniser is not None
        began = time.perf_counter()
        try:
            said = self.recogniser(sound)
        except Exception:  # this chunk goes without a caption; the next ones are heard
            logger.exception("live captions of %s: a chunk not recognised", self.directory)
            return
        self.spent += time.perf_counter() - began
        self.heard += len(sound) / RATE
        if not said:
            return
        end = chunk.start + len(sound) / RATE
        text = escape(said)
        if chunk.speaker and chunk.speaker != self.last_speaker:
            text = f"{escape(chunk.speaker)} : {text}"
        if chunk.speaker:
            text = f"<v {escape(chunk.speaker)}>{text}</v>"
        self.last_speaker = chunk.speaker
        self.numbers += 1
        self.cues.append(Cue(self.numbers, chunk.run, chunk.start, end + HOLD, text))
        self.cues = self.cues[-KEEP:]

    # --- output ----------------------------------------------------------------------

    def captioned(self, written: Written) -> bool:
        """A segment's captions are known once none of its sound waits to be recognised."""
        return all(w.segment.uri != written.segment.uri for w in self.pending)

    def write(self, playlist: Playlist) -> None:
        folder = self.directory / FOLDER
        folder.mkdir(exist_ok=True)
        listed: list[str] = []
        for segment in playlist.segments:
            written = self.done.get(segment.uri)
            if written is None or not self.captioned(written):
                break
            if segment.vtt not in self._written:  # written once: a cue held up is not redone
                write_atomically(folder / segment.vtt, self.segment_vtt(written))
                self._written.add(segment.vtt)
            listed += [*segment.tags, segment.vtt]
        header = [line for line in playlist.header if not line.startswith("#EXT-X-INDEPENDENT")]
        complete = len(listed) == sum(len(s.tags) + 1 for s in playlist.segments)
        end = [ENDLIST] if playlist.ended and complete else []
        write_atomically(self.directory / PLAYLIST, "\n".join([*header, *listed, *end]) + "\n")
        self._forget(playlist)

    def segment_vtt(self, written: Written) -> str:
        """The cues that overlap the segment, on the programme's clock: LOCAL is the
        segment's media time, MPEGTS the same time at 90 kHz."""
        mpegts = round(written.start * 90_000) % 2**33
        lines = ["WEBVTT", f"X-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:{vtt_time(written.start)}", ""]
        for cue in self.cues:
            if cue.run == written.run and cue.start < written.end and cue.end > written.start:
                lines += [f"c{cue.number}", f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}"]
                lines += [cue.text, ""]
        return "\n".join(lines)

    def _forget(self, playlist: Playlist) -> None:
        """Segments gone from the audio playlist: their captions go too, a window later."""
        present = {segment.uri for segment in playlist.segments}
        if len(self.done) > 3 * max(10, len(present)):
            for uri in [uri for uri in self.done if uri not in present][: len(self.done) // 3]:
                written = self.done.pop(uri)
                (self.directory / FOLDER / written.segment.vtt).unlink(missing_ok=True)
                self._written.discard(written.segment.vtt)

    def health(self) -> dict[str, Any]:
        return {
            "cues": self.numbers,
            "heard": round(self.heard, 1),
            "spent": round(self.spent, 1),
            "rtf": round(self.spent / self.heard, 3) if self.heard else None,
        }


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def live_captions_on() -> bool:
    """Live captions are made when the setting allows them and a model is installed."""
    from .job import model_available

    return bool(getattr(settings, "SEANCE_LIVE_CAPTIONS", False)) and model_available()


def floor_holder(sitting_id: int) -> str:
    """The name of the councillor who has the floor now, "" when nobody has."""
    from sessions.models import SpeakingRequest

    turn = (
        SpeakingRequest.objects.filter(sitting_id=sitting_id, state=SpeakingRequest.State.SPEAKING)
        .select_related("member")
        .first()
    )
    return turn.member.full_name if turn else ""
