"""Live captions (streaming.transcript.live) through the real programme, and each
rendition's bytes per viewer-hour.

A simulated camera (a moving test picture) speaks the council text of transcript_wer.py
(espeak-ng, French, a second's pause between sentences), once, then is silent. The
Supervisor mixes it into the ladder (settings.SEANCE_BROADCAST_LADDER, 1 s fMP4 segments);
the caption worker runs in a process of its own, as it would beside the mixer (one CPU
thread, niced), so that its CPU time is its own (utime + stime from /proc). Every 50 ms
the benchmark reads the playlists as a player would and notes when each segment appears.

Figures:
- caption delay: from the moment a caption's first word is said (its segment's
  EXT-X-PROGRAM-DATE-TIME plus the cue's place in it) to the moment its .vtt segment is
  listed in the subtitles playlist; p50 and max over the cues.
- baseline, the same run's HLS video latency: from a video segment's
  EXT-X-PROGRAM-DATE-TIME to its listing in its playlist (what any player waits anyway,
  before its own buffer).
- the worker's CPU in cores (CPU seconds per second of broadcast), its recognition's
  real-time factor, and the captions' word error rate against the text (the same
  recogniser on the whole text at once, bench/transcript_wer.py, has 0.29).
- bytes per viewer-hour of each rendition, from the sizes of the segments published
  (streaming.hls.SegmentTally), sound included.

    .venv/bin/python bench/live_captions.py

A benchmark: it never fails on its figures. The last line is one JSON object. Last run
(2 cores, load average 3.3, full ladder at veryfast): captions 5.9 s after the words (p50,
max 9.7 s) for a picture latency of 1.5 s; the worker 0.064 cores; WER 0.60; per
viewer-hour 720p 1,245 MB, 480p 636 MB, 360p 377 MB, sound only 30 MB.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from common import ROOT, last_line
from media import FFMPEG, cpu_seconds, free_port, machine_load, pct
from transcript_wer import TEXT, wer, words

TARGET_DELAY = 8.0  # s: "a few seconds behind" the speech
TAIL = 12.0  # s of silence measured after the speech: the last captions come out
POLL = 0.05


def speech(folder: Path) -> tuple[Path, float]:
    """The text, a second's pause after each sentence, as one WAV; its duration."""
    import numpy as np

    parts = []
    for i, sentence in enumerate(TEXT):
        wav = folder / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", "fr", "-s", "130", "-w", str(wav), sentence],
                       check=True)  # fmt: skip
        with wave.open(str(wav)) as w:
            rate = w.getframerate()
            parts += [np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)]
            parts += [np.zeros(rate, dtype=np.int16)]
    sound = np.concatenate(parts)
    with wave.open(str(folder / "speech.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(sound.tobytes())
    return folder / "speech.wav", len(sound) / rate


def camera(wav: Path, port: int) -> list[str]:
    """A moving picture and the speech, then silence, over UDP as a camera sends."""
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error"),
        *("-re", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25", "-re", "-i", str(wav)),
        *("-af", "apad", "-map", "0:v", "-map", "1:a"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25"),
        *("-b:v", "800k", "-c:a", "aac", "-b:a", "64k", "-ar", "48000"),
        *("-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"),
    ]


def worker(directory: str) -> None:
    """The caption worker alone, until its stdin closes; then its figures on stdout."""
    import django

    django.setup()
    from streaming.transcript.live import LiveCaptions

    captions = LiveCaptions(Path(directory))
    captions.start()
    sys.stdout.write("started\n")
    sys.stdout.flush()
    sys.stdin.read()
    captions.stop()
    sys.stdout.write(json.dumps(captions.health()) + "\n")


PDT = re.compile(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)\n(?:#[^\n]*\n)*?([^#\n][^\n]*)")


def listed(playlist: Path) -> dict[str, float]:
    """Each segment of a playlist and its date (epoch seconds)."""
    try:
        text = playlist.read_text()
    except FileNotFoundError:
        return {}
    found = {}
    for date, uri in PDT.findall(text):
        found[uri] = datetime.datetime.strptime(date, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    return found


class Watch:
    """When each segment of a playlist was first listed, and its date."""

    def __init__(self, playlist: Path) -> None:
        self.playlist = playlist
        self.seen: dict[str, tuple[float, float]] = {}  # uri: (listed at, its date)

    def poll(self) -> list[str]:
        now, new = time.time(), []
        for uri, date in listed(self.playlist).items():
            if uri not in self.seen:
                self.seen[uri] = (now, date)
                new.append(uri)
        return new


CUE = re.compile(r"^(c\d+)\n(\S+) --> \S+\n(.*)$", re.M)


def vtt_seconds(text: str) -> float:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def plain(cue: str) -> str:
    """A cue's words, without its voice span or the speaker's name."""
    cue = re.sub(r"</?v[^>]*>", "", cue)
    return cue.split(" : ", 1)[-1]


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from streaming.hls import per_viewer_hour
    from streaming.programme.graph import LADDERS, ProgrammeConfig, ProgrammeInput
    from streaming.programme.ingest import free_udp_port
    from streaming.programme.supervisor import Supervisor

    folder = Path(tempfile.mkdtemp(prefix="live-captions-"))
    wav, said_for = speech(folder)
    out = folder / "hls"
    out.mkdir()
    port = free_udp_port()
    ladder = LADDERS[settings.SEANCE_BROADCAST_LADDER]
    config = ProgrammeConfig(
        inputs=(ProgrammeInput("Salle", f"udp://127.0.0.1:{port}"),),
        output_dir=out,
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=ladder,
        preset=settings.SEANCE_BROADCAST_PRESET,
        subtitles=True,
    )
    supervisor = Supervisor(config)
    supervisor.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, __file__, "--captions", str(out)], cwd=ROOT, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    child.stdout.readline()  # started (its model loads in its thread, before the speech)
    time.sleep(3)
    watches = {name: Watch(out / name / "index.m3u8") for name in ("audio", ladder[0].name)}
    subtitles = Watch(out / "subtitles" / "index.m3u8")
    cues: dict[str, tuple[float, str]] = {}  # id: (caption delay, text)
    feed = subprocess.Popen(camera(wav, port), stdin=subprocess.DEVNULL)
    began, cpu_before = time.time(), cpu_seconds(child.pid) or 0.0
    try:
        while time.time() - began < said_for + TAIL:
            time.sleep(POLL)
            for watch in watches.values():
                watch.poll()
            for uri in subtitles.poll():
                at, date = subtitles.seen[uri]
                text = (out / "subtitles" / uri).read_text()
                local = vtt_seconds(re.search(r"LOCAL:(\S+)", text).group(1))  # type: ignore[union-attr]
                for cue_id, start, cue in CUE.findall(text):
                    offset = vtt_seconds(start) - local
                    if cue_id not in cues and offset >= 0:  # in the segment it begins in
                        cues[cue_id] = (at - (date + offset), plain(cue))
        spent_cpu = (cpu_seconds(child.pid) or 0.0) - cpu_before
        wall = time.time() - began
    finally:
        feed.terminate()
        feed.wait(10)
        supervisor.stop()
        child.stdin.close()
        health = json.loads(child.stdout.readline() or "{}")
        child.wait(30)

    top = watches[ladder[0].name]
    video = [at - date for at, date in top.seen.values()]
    delays = [delay for delay, _ in cues.values()]
    heard = " ".join(cues[k][1] for k in sorted(cues, key=lambda k: int(k[1:])))
    rate = wer(words(" ".join(TEXT)), words(heard))
    cores = spent_cpu / wall
    print(f"speech {said_for:.1f} s, measured {wall:.1f} s; {machine_load()}")
    print(f"caption worker: {cores:.3f} cores (CPU {spent_cpu:.1f} s), recognition RTF "
          f"{health.get('rtf')} ({health.get('spent')} s for {health.get('heard')} s of "
          f"sound), {len(cues)} captions, WER {rate:.3f}; "
          f"{'fits' if cores < 0.5 else 'does not fit'} in half a core")  # fmt: skip
    print(f"caption delay (speech to .vtt listed): p50 {pct(delays, 50):.2f} s, "
          f"max {max(delays, default=float('nan')):.2f} s")  # fmt: skip
    print(f"HLS video latency ({ladder[0].name}, date to listed): p50 {pct(video, 50):.2f} s, "
          f"max {max(video, default=float('nan')):.2f} s")  # fmt: skip
    tally = supervisor.health()["segments"]
    per_hour = per_viewer_hour(tally)  # type: ignore[arg-type]
    for name, bytes_per_hour in per_hour:
        print(f"per viewer-hour, {name}: {bytes_per_hour / 1e6:.1f} MB (sound included)")
    print("heard:", heard)
    print(
        last_line(
            "live_caption_delay_p50",
            pct(delays, 50),
            "s",
            pct(video, 50),
            TARGET_DELAY,
            cores=round(cores, 3),
            rtf=health.get("rtf"),
            wer=round(rate, 3),
            bytes_per_viewer_hour=dict(per_hour),
        )  # fmt: skip
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--captions"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
        sys.path.insert(0, str(ROOT))
        worker(sys.argv[2])
    else:
        main()
