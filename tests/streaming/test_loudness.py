"""The programme's sound, measured as a broadcaster would: EBU R128 loudness and true
peak with ffmpeg's `ebur128` on the audio-only rendition, and no hole in it on a loaded
machine, where the cameras' own sound (recorded beside the mixer) has none."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streaming.ports import free_port as free_tcp_port
from streaming.programme.graph import ProgrammeConfig, ProgrammeInput
from streaming.programme.ingest import free_udp_port
from streaming.programme.supervisor import Supervisor
from tests.streaming.media import LADDER, Feed, wait_for

SECONDS_PER_CAMERA = 12  # some 25 s on the first two: an integrated loudness worth the name
QUIET_DB = -20  # the second camera's microphone, far quieter than the first's
# The third: a loud voice that starts out of silence, 1 s in 3, before the leveller's gain
# (raised by the silence) comes down: the limiter's work.
BURSTS = "volume='lt(mod(t,3),1)':eval=frame,volume=10dB"
BURST_SECONDS = 8


class ProbedFeed(Feed):
    """A simulated camera whose stream also goes to a recorder of its own sound: what the
    mixer was sent, to compare the programme with."""

    def __init__(self, name: str, colour: str, tone: int, sound: str, probe: Path) -> None:
        super().__init__(name, colour, tone, free_udp_port())
        probe_port = free_udp_port()
        sine = self.command.index(f"sine=f={tone}:r=48000")
        self.command[sine] += f",{sound}"
        self.command[-3:] = [
            *("-map", "0:v", "-map", "1:a", "-f", "tee"),
            f"[f=mpegts]{self.url}?pkt_size=1316|"
            f"[f=mpegts]udp://127.0.0.1:{probe_port}?pkt_size=1316",
        ]
        self.probe_path = probe
        self.probe_command = [
            *("/usr/bin/ffmpeg", "-v", "error", "-nostdin", "-y"),
            *(
                "-i",
                f"udp://127.0.0.1:{probe_port}?fifo_size=100000&overrun_nonfatal=1&timeout=2000000",
            ),
            *("-map", "0:a", "-c", "copy", "-f", "mpegts", str(probe)),
        ]
        self.prober: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.prober = subprocess.Popen(self.probe_command, stdin=subprocess.DEVNULL)
        super().start()

    def stop(self) -> None:
        super().stop()
        if self.prober:  # it ends by itself two seconds after the stream stops
            try:
                self.prober.wait(timeout=30)
            finally:
                self.prober.kill()


def busy_loops() -> list[subprocess.Popen[bytes]]:
    """A load of one spinning process per core, beside the two cores' usual work."""
    spin = [sys.executable, "-c", "while True: pass"]
    return [subprocess.Popen(spin) for _ in range(os.cpu_count() or 2)]


def measure(path: Path, filters: str) -> str:
    return subprocess.run(
        [
            *("/usr/bin/ffmpeg", "-nostats", "-hide_banner", "-i", str(path)),
            *("-map", "0:a", "-af", filters, "-f", "null", "-"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stderr


def r128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP), as `ebur128` sums them up."""
    summary = measure(path, "ebur128=peak=true").rsplit("Summary:", 1)[1]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


def holes(path: Path, after: float) -> list[tuple[float, float]]:
    """Each stretch of silence (under -50 dBFS) longer than 100 ms, as (start, duration),
    from `after` seconds on (the first sound takes its time to reach the programme)."""
    report = measure(path, "silencedetect=noise=-50dB:d=0.1")
    starts = [float(s) for s in re.findall(r"silence_start: (-?[\d.]+)", report)]
    lengths = [float(d) for d in re.findall(r"silence_duration: ([\d.]+)", report)]
    if len(lengths) < len(starts):  # silent until the end
        lengths.append(float("inf"))
    return [(s, d) for s, d in zip(starts, lengths, strict=True) if s + d > after]


def first_sound(path: Path) -> float:
    """When the sound starts: the end of the leading silence, if any."""
    report = measure(path, "silencedetect=noise=-50dB:d=0.05")
    found = re.search(r"silence_start: -?0(\.0+)?\n.*?silence_end: ([\d.]+)", report, re.S)
    return float(found.group(2)) if found else 0.0


def audio_rendition(out: Path, name: str, after: str, until: str | None = None) -> Path:
    """The audio-only rendition as a player gets it: its init section, then its segments
    in the order of its playlist, from the one after `after` to `until` (their names)."""
    folder = out / "audio"
    playlist = (folder / "index.m3u8").read_text().splitlines()
    init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', "\n".join(playlist))
    assert init, playlist
    names = [line for line in playlist if line and not line.startswith("#")]
    names = names[names.index(after) + 1 : names.index(until) + 1 if until else None]
    whole = out / name
    whole.write_bytes(
        (folder / init.group(1)).read_bytes() + b"".join((folder / n).read_bytes() for n in names)
    )
    return whole


@pytest.fixture(scope="module")
def loaded_broadcast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Two cameras 20 dB apart, the programme on the first then the second, the machine
    loaded all along; every segment kept."""
    work = tmp_path_factory.mktemp("loudness")
    feeds = [
        ProbedFeed("Camera-A", "red", 440, "anull", work / "camera-a.ts"),
        ProbedFeed("Camera-B", "lime", 660, f"volume={QUIET_DB}dB", work / "camera-b.ts"),
        ProbedFeed("Camera-C", "blue", 550, BURSTS, work / "camera-c.ts"),
    ]
    for feed in feeds:
        feed.start()
    out = work / "hls"
    config = ProgrammeConfig(
        inputs=tuple(ProgrammeInput(feed.name, feed.url) for feed in feeds),
        output_dir=out,
        control_address=f"tcp://127.0.0.1:{free_tcp_port()}",
        ladder=LADDER,
        preset="ultrafast",
        list_size=100,
    )
    supervisor = Supervisor(config)
    load = busy_loops()
    supervisor.start()
    try:
        # From the first segment mixed once both cameras are on (their ingests forward
        # the slate's silence until then).
        wait_for(lambda: {i["state"] for i in supervisor.health()["inputs"]} == {"live"}, 60)
        wait_for(lambda: list((out / "audio").glob("seg_*.m4s")), timeout=60)
        before = max((out / "audio").glob("seg_*.m4s")).name
        time.sleep(SECONDS_PER_CAMERA)  # the length of the broadcast, not a wait for a state
        assert supervisor.control.cut(1)
        time.sleep(SECONDS_PER_CAMERA)
        cut_to_bursts = max((out / "audio").glob("seg_*.m4s")).name
        assert supervisor.control.cut(2)
        time.sleep(BURST_SECONDS)
        assert supervisor.health()["restarts"] == 0
    finally:
        for spinner in load:
            spinner.kill()
            spinner.wait()
        supervisor.stop()
        for feed in feeds:
            feed.stop()
    yield {
        "programme": audio_rendition(out, "programme.mp4", after=before, until=cut_to_bursts),
        "bursts": audio_rendition(out, "bursts.mp4", after=cut_to_bursts),
        "a": feeds[0].probe_path,
        "b": feeds[1].probe_path,
    }


def test_the_programme_is_at_ebu_r128_loudness_whatever_the_microphone(loaded_broadcast):
    loud, _ = r128(loaded_broadcast["a"])
    quiet, _ = r128(loaded_broadcast["b"])
    integrated, true_peak = r128(loaded_broadcast["programme"])
    print(
        f"cameras {loud:.1f} and {quiet:.1f} LUFS; programme {integrated:.1f} LUFS, "
        f"true peak {true_peak:.1f} dBTP"
    )
    assert quiet < loud - 15  # the two microphones really differ
    assert -24.0 <= integrated <= -22.0
    assert true_peak <= -1.0


def test_a_loud_voice_out_of_silence_stays_under_the_true_peak_limit(loaded_broadcast):
    _, true_peak = r128(loaded_broadcast["bursts"])
    print(f"bursts: true peak {true_peak:.1f} dBTP")
    assert -6.0 < true_peak <= -1.0  # the limiter had work to do, and did it


def test_no_hole_in_the_programme_sound_on_a_loaded_machine(loaded_broadcast):
    for camera in ("a", "b"):
        assert holes(loaded_broadcast[camera], after=first_sound(loaded_broadcast[camera])) == []
    programme = loaded_broadcast["programme"]
    start = first_sound(programme)
    found = holes(programme, after=start)
    print(f"programme: sound from {start:.2f} s, holes over 100 ms: {found}")
    assert found == []
