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
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from sessions.models import SpeakingRequest

from ..hls import ENDLIST, read_playlist, write_atomically
from ..media import vtt_time
from ..programme.playlists import PUBLIC_PLAYLIST
from .audio import RATE
from .captions import escape
from .job import model_available
from .live_audio import AudioSegment, Playlist, decode_segment, parse_audio_playlist
from .live_recogniser import Recogniser
from .live_sound import SILENCE_DBFS, Chunk, cut_point, dbfs

logger = logging.getLogger(__name__)

FOLDER = "subtitles"  # the rendition's folder under the sitting's HLS folder
PLAYLIST = f"{FOLDER}/{PUBLIC_PLAYLIST}"
AUDIO_PLAYLIST = f"audio/{PUBLIC_PLAYLIST}"
# A caption stays up this long after its chunk, over the next one's start (two lines roll
# up, as live captions do): it reaches the player a few seconds late, and stays readable.
HOLD = 2.0
POLL = 0.2
NICE = 10  # the worker's priority below the mixer's and the web's
KEEP = 40  # cues kept in memory (a minute and more), to write a segment's again


@dataclass(frozen=True)
class Cue:
    number: int
    run: int  # the discontinuity it belongs to (media times restart with the mixer)
    start: float  # media time, s
    end: float
    text: str  # already as WebVTT cue text


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
        self._seen = ""  # the audio playlist as the last complete pass read it

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
        """One pass over the audio playlist: its new segments heard, the subtitles
        written. A playlist unchanged since the last complete pass is not parsed again
        (the mixer adds a segment every few seconds; the worker looks 5 times a second)."""
        text = read_playlist(self.directory / AUDIO_PLAYLIST)
        if not text or (text == self._seen and not final):
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
        self._seen = text if init is not None else ""  # without its init, read it again

    def _init(self, text: str) -> bytes | None:
        found = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text)
        if not found:
            return None
        try:
            return (self.directory / "audio" / str(found[-1])).read_bytes()
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


def live_captions_on() -> bool:
    """Live captions are made when the setting allows them and a model is installed."""
    return bool(getattr(settings, "SEANCE_LIVE_CAPTIONS", False)) and model_available()


def floor_holder(sitting_id: int) -> str:
    """The name of the councillor who has the floor now, "" when nobody has."""
    turn = (
        SpeakingRequest.objects.filter(sitting_id=sitting_id, state=SpeakingRequest.State.SPEAKING)
        .select_related("member")
        .first()
    )
    return turn.member.full_name if turn else ""
