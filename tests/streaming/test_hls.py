"""HLS by the book (RFC 8216): the playlists of a real broadcast read back and checked
rule by rule, and the end of a broadcast written into them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from streaming.hls import ENDLIST, end_playlists
from streaming.ports import free_port as free_tcp_port
from streaming.programme.graph import ProgrammeConfig, ProgrammeInput
from streaming.programme.ingest import free_udp_port
from streaming.programme.playlists import INDEPENDENT, MIXER_PLAYLIST
from streaming.programme.supervisor import Supervisor
from tests.streaming.media import LADDER, Feed, wait_for

MEDIA = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:4
#EXT-X-MAP:URI="init.mp4"
#EXTINF:1.000000,
seg_00004.m4s
#EXTINF:1.000000,
seg_00005.m4s
"""
MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001e,mp4a.40.2"
360p/index.m3u8
"""


def sitting_folder(root: Path) -> Path:
    for rendition in ("360p", "audio"):
        (root / rendition).mkdir(parents=True)
        (root / rendition / "index.m3u8").write_text(MEDIA)
    (root / "master.m3u8").write_text(MASTER)
    return root


def test_end_playlists_ends_every_media_playlist_once(tmp_path: Path) -> None:
    root = sitting_folder(tmp_path / "42")
    end_playlists(root)
    end_playlists(str(root))  # idempotent, and a str will do
    for rendition in ("360p", "audio"):
        text = (root / rendition / "index.m3u8").read_text()
        assert text == MEDIA + ENDLIST + "\n"
    assert (root / "master.m3u8").read_text() == MASTER  # a master playlist has no end
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == [
        "index.m3u8",
        "index.m3u8",
        "master.m3u8",
    ]  # no temporary file left behind


def test_end_playlists_never_shows_a_reader_half_a_playlist(tmp_path: Path) -> None:
    root = sitting_folder(tmp_path / "7")
    playlist = root / "360p" / "index.m3u8"
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(playlist.read_text())

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(200):
        playlist.write_text(MEDIA)  # as the mixer would, before it stops (not atomically)
        end_playlists(root)
    done.set()
    reader.join()
    ended = [text for text in seen if ENDLIST in text]
    assert ended and all(text == MEDIA + ENDLIST + "\n" for text in ended)


def test_end_playlists_of_a_missing_or_empty_folder_does_nothing(tmp_path: Path) -> None:
    end_playlists(tmp_path / "nothing-here")
    (tmp_path / "1").mkdir()
    end_playlists(tmp_path / "1")
    assert list((tmp_path / "1").iterdir()) == []


# A real broadcast: three simulated cameras (one films noise, the hardest picture to
# encode, so that the encoder's rate control is what bounds the segments), the mixer
# killed once, and every playlist a player could have loaded read and checked.

NOISE_CAMERA = 0
LIST_SIZE = 4  # a short window: the restart's discontinuity slides out in seconds


class NoisyFeed(Feed):
    def __init__(self, name: str, tone: int, port: int) -> None:
        super().__init__(name, "gray", tone, port)
        at = self.command.index("color=c=gray:s=640x360:r=25")
        self.command[at] = "testsrc2=s=640x360:r=25,noise=alls=40:allf=t+u"


@dataclass
class Snapshot:
    """One reading of a media playlist, as a player polling it would get it."""

    text: str
    media_sequence: int
    discontinuity_sequence: int
    # By segment URI: its duration, its size then, its discontinuity sequence number.
    segments: dict[str, tuple[float, int, int]]


def snapshot(playlist: Path) -> Snapshot | None:
    try:
        text = playlist.read_text()
    except FileNotFoundError:
        return None
    msn = int(re.search(r"^#EXT-X-MEDIA-SEQUENCE:(\d+)$", text, re.M).group(1))  # type: ignore[union-attr]
    dsn_tag = re.search(r"^#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)$", text, re.M)
    dsn = int(dsn_tag.group(1)) if dsn_tag else 0
    segments, duration, discontinuity = {}, 0.0, dsn
    for line in text.splitlines():
        if line == "#EXT-X-DISCONTINUITY":
            discontinuity += 1
        elif line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#"):
            try:
                size = (playlist.parent / line).stat().st_size
            except FileNotFoundError:
                size = -1  # listed but not there: fails the test below
            segments[line] = (duration, size, discontinuity)
    return Snapshot(text, msn, dsn, segments)


def peak_bps(durations_sizes: list[tuple[float, int]], target: float) -> float:
    """RFC 8216, 4.3.4.2: the largest bit rate of any run of contiguous segments whose
    total duration is between 0.5 and 1.5 times the target duration."""
    peak = 0.0
    for start in range(len(durations_sizes)):
        duration, size = 0.0, 0
        for length, bytes_ in durations_sizes[start:]:
            duration, size = duration + length, size + bytes_
            if duration > 1.5 * target:
                break
            if duration >= 0.5 * target:
                peak = max(peak, size * 8 / duration)
    return peak


def stream_inf(master: str) -> dict[str, dict[str, str]]:
    variants = {}
    lines = master.splitlines()
    for line, uri in zip(lines, lines[1:], strict=False):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])
            variants[uri] = dict(attributes)
    return variants


def first_frame_is_key(init: Path, segment: Path) -> bool:
    report = subprocess.run(
        [
            *("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"),
            *("frame=key_frame", "-read_intervals", "%+#1", "-of", "csv=p=0", "pipe:0"),
        ],
        input=init.read_bytes() + segment.read_bytes(),
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    return report.split() == ["1"]


@pytest.fixture(scope="module")
def broadcast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A broadcast of some twenty seconds, its mixer killed once, its end written: every
    version of every public playlist on the way, as polled every 50 ms."""
    feeds: list[Feed] = [NoisyFeed("Camera-A", 440, free_udp_port())]
    feeds += [Feed("Camera-B", "lime", 660, free_udp_port())]
    for feed in feeds:
        feed.start()
    out = tmp_path_factory.mktemp("hls")
    config = ProgrammeConfig(
        inputs=tuple(ProgrammeInput(feed.name, feed.url) for feed in feeds),
        output_dir=out,
        control_address=f"tcp://127.0.0.1:{free_tcp_port()}",
        ladder=LADDER,
        preset="ultrafast",
        list_size=LIST_SIZE,
    )
    supervisor = Supervisor(config)
    playlists = ["audio", *(rung.name for rung in LADDER)]
    seen: dict[str, list[Snapshot]] = {name: [] for name in playlists}
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.05):
            for name in playlists:
                now = snapshot(out / name / "index.m3u8")
                if now and (not seen[name] or seen[name][-1].text != now.text):
                    seen[name].append(now)

    poller = threading.Thread(target=poll)
    supervisor.start()
    poller.start()
    try:

        def segments_after_start(count: int) -> Callable[[], bool]:
            return lambda: all(
                len({u for s in seen[name] for u in s.segments}) >= count for name in playlists
            )

        wait_for(segments_after_start(LIST_SIZE + 2), timeout=60)
        os.kill(supervisor.mixer.pid or 0, signal.SIGKILL)
        wait_for(lambda: supervisor.health()["restarts"] == 1, timeout=20)

        def restart_slid_out() -> bool:
            # Every playlist has let the restart's discontinuity go out of its window.
            return all(
                any("#EXT-X-DISCONTINUITY\n" in s.text for s in seen[name])
                and "#EXT-X-DISCONTINUITY\n" not in seen[name][-1].text
                and seen[name][-1].discontinuity_sequence >= 2
                for name in playlists
            )

        wait_for(restart_slid_out, timeout=60)
    finally:
        supervisor.stop()
        stop.set()
        poller.join()
        for feed in feeds:
            feed.stop()
    before_end = {name: (out / name / "index.m3u8").read_text() for name in playlists}
    end_playlists(out)
    yield {"out": out, "seen": seen, "before_end": before_end, "config": config}


def test_every_playlist_says_its_segments_are_independent(broadcast) -> None:
    out: Path = broadcast["out"]
    master = (out / "master.m3u8").read_text()
    assert master.splitlines()[:3] == ["#EXTM3U", "#EXT-X-VERSION:7", INDEPENDENT]
    for name, versions in broadcast["seen"].items():
        assert all(INDEPENDENT in s.text.split("#EXTINF")[0] for s in versions), name
    # And they are: each video segment still on disk begins with a key frame.
    for rung in LADDER:
        folder = out / rung.name
        inits = sorted(folder.glob("init*.mp4"))
        assert len(inits) == 1
        for segment in sorted(folder.glob("seg_*.m4s"))[-LIST_SIZE:]:
            assert first_frame_is_key(inits[0], segment), segment


def test_the_discontinuity_sequence_follows_the_restart_out_of_the_window(broadcast) -> None:
    for name, versions in broadcast["seen"].items():
        assert len(versions) > 2 * LIST_SIZE, name
        numbering: dict[str, int] = {}
        for before, after in zip(versions, versions[1:], strict=False):
            # RFC 8216, 6.2.1: neither sequence number ever goes back...
            assert after.media_sequence >= before.media_sequence, name
            assert after.discontinuity_sequence >= before.discontinuity_sequence, name
            assert "#EXT-X-DISCONTINUITY-SEQUENCE:" in after.text.split("#EXTINF")[0], name
        for version in versions:
            for uri, (_duration, _size, dsn) in version.segments.items():
                # ...and a segment keeps its discontinuity sequence number in every
                # playlist that lists it, before and after the tag leaves the window.
                assert numbering.setdefault(uri, dsn) == dsn, (name, uri, version.text)
        # The first run starts with a discontinuity (discont_start), the restart a second.
        assert sorted(set(numbering.values())) == [0, 1, 2] or sorted(set(numbering.values())) == [
            1,
            2,
        ], (name, numbering)
        assert versions[-1].discontinuity_sequence == 2, versions[-1].text


def test_bandwidth_is_at_least_the_peak_segment_bit_rate(broadcast) -> None:
    out: Path = broadcast["out"]
    variants = stream_inf((out / "master.m3u8").read_text())

    def peak(name: str) -> tuple[float, float]:
        segments: dict[str, tuple[float, int]] = {}
        for version in broadcast["seen"][name]:
            for uri, (duration, size, _dsn) in version.segments.items():
                assert size > 0, (name, uri)  # every listed segment was there to fetch
                segments.setdefault(uri, (duration, size))
        ordered = [segments[uri] for uri in sorted(segments)]
        average = sum(size for _d, size in ordered) * 8 / sum(d for d, _s in ordered)
        return peak_bps(ordered, target=1), average

    audio_peak, audio_average = peak("audio")
    assert int(variants["audio/index.m3u8"]["BANDWIDTH"]) >= audio_peak
    for rung in LADDER:
        video_peak, video_average = peak(rung.name)
        declared = variants[f"{rung.name}/index.m3u8"]
        print(
            f"{rung.name}: peak {video_peak + audio_peak:.0f} bit/s, average "
            f"{video_average + audio_average:.0f}; declared {declared['BANDWIDTH']}, "
            f"average {declared['AVERAGE-BANDWIDTH']}"
        )
        assert int(declared["BANDWIDTH"]) >= video_peak + audio_peak, rung
        assert int(declared["AVERAGE-BANDWIDTH"]) <= int(declared["BANDWIDTH"])
        # The noise drives the encoder to its target: what is declared is what comes.
        assert video_average + audio_average <= int(declared["AVERAGE-BANDWIDTH"]) * 1.1
        assert declared["CODECS"].startswith('"avc1.') and "RESOLUTION" in declared


def test_the_end_of_the_broadcast_ends_every_media_playlist(broadcast) -> None:
    out: Path = broadcast["out"]
    for name, text in broadcast["before_end"].items():
        assert ENDLIST not in text
        ended = (out / name / "index.m3u8").read_text()
        assert ended == text.rstrip("\n") + f"\n{ENDLIST}\n"
        assert ended.rstrip().splitlines()[-2].startswith("seg_")  # after the last segment
    assert ENDLIST not in (out / "master.m3u8").read_text()
    # The mixer's own playlists are left as they are: a new run appends to them.
    assert not any(ENDLIST in p.read_text() for p in out.glob(f"*/{MIXER_PLAYLIST}"))
