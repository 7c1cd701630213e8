"""The replay of a sitting (R34), with the real ffmpeg: cuts, chapters, page and files."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import SittingLog
from streaming.hls import recording_dir
from streaming.models import Broadcast, CutSpan, Replay
from streaming.replay import build_replay, ffmpeg, probe_duration, replay_file
from tests import factories

pytestmark = pytest.mark.django_db

# Three runs of the mixer: red from T0 (6 s), green from T0+6 (6 s), a restart gap, blue
# from T0+14 (6 s). The sitting opens at T0+1, closes at T0+19.5; green is a closed session.
PARTS = [("red", 0.0), ("lime", 6.0), ("blue", 14.0)]
COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parts")
    for n, (colour, _) in enumerate(PARTS, start=1):
        subprocess.run(
            [ffmpeg(), "-v", "error", "-y",
             "-f", "lavfi", "-i", f"color=c={colour}:s=160x90:r=10:d=6",
             "-f", "lavfi", "-i", f"sine=f={440 * n}:d=6",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-keyint_min", "10",
             "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
             "-f", "mpegts", str(folder / f"part-{n:04d}.ts")],
            check=True,
        )  # fmt: skip
    return folder


@pytest.fixture
def sitting_with_recording(settings, tmp_path, parts):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    a = factories.assembly()
    s = factories.convened(a, items=2)
    t0 = timezone.now() - datetime.timedelta(hours=1)
    at = lambda seconds: t0 + datetime.timedelta(seconds=seconds)  # noqa: E731
    rec = recording_dir(s.pk)
    rec.mkdir(parents=True)
    for n, (_, start) in enumerate(PARTS, start=1):
        shutil.copy(parts / f"part-{n:04d}.ts", rec / f"part-{n:04d}.ts")
        sidecar = {"run": n, "started": at(start).timestamp()}
        (rec / f"part-{n:04d}.json").write_text(json.dumps(sidecar))
    items = list(s.items.order_by("position"))
    SittingLog.objects.create(sitting=s, at=at(1), kind="opened")
    SittingLog.objects.create(sitting=s, at=at(2), kind="item_taken_up", data={"item": items[0].pk})
    SittingLog.objects.create(
        sitting=s, at=at(15), kind="item_taken_up", data={"item": items[1].pk}
    )
    SittingLog.objects.create(sitting=s, at=at(19.5), kind="closed")
    broadcast = Broadcast.objects.create(sitting=s)
    CutSpan.objects.create(
        broadcast=broadcast, kind=CutSpan.Kind.CLOSED_SESSION, started_at=at(6), ended_at=at(12.5)
    )
    return s, items, rec


def frames(path: Path, at: float | None = None) -> list[tuple[int, int, int]]:
    """Mean colour of each frame (at 2 fps), or of the one frame at `at` seconds."""
    seek = ["-ss", f"{at:.2f}"] if at is not None else []
    picks = ["-frames:v", "1"] if at is not None else ["-vf", "fps=2"]
    raw = subprocess.run(
        [ffmpeg(), "-v", "error", *seek, "-i", str(path), *picks, "-s", "4x4",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    size = 4 * 4 * 3
    out = []
    for i in range(0, len(raw), size):
        px = raw[i : i + size]
        out.append(tuple(sum(px[c::3]) // 16 for c in range(3)))
    return out  # type: ignore[return-value]


def colour_of(rgb: tuple[int, int, int]) -> str:
    return min(
        COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(rgb, COLOURS[name], strict=True))
    )


def test_replay_is_cut_chaptered_and_served(sitting_with_recording, client):
    s, items, _ = sitting_with_recording
    replay = build_replay(s)

    assert replay.state == Replay.State.READY, replay.error
    mp4 = replay_file(replay)
    assert mp4.is_file() and mp4.stat().st_size == replay.size
    # kept: red 1→6 s (5 s) and blue 14→19.5 s (5.5 s)
    assert replay.duration == pytest.approx(10.5, abs=1.1)
    assert probe_duration(mp4) == pytest.approx(replay.duration, abs=0.1)
    assert [c["title"] for c in replay.chapters] == [
        f"{items[0].position}. {items[0].title}",
        f"{items[1].position}. {items[1].title}",
    ]
    first, second = replay.chapters
    assert first["start"] == pytest.approx(1.0, abs=1.0)
    assert second["start"] == pytest.approx(6.0, abs=1.0)
    assert second["end"] == pytest.approx(replay.duration, abs=0.1)
    assert colour_of(frames(mp4, first["start"] + 0.3)[0]) == "red"
    assert colour_of(frames(mp4, second["start"] + 0.3)[0]) == "blue"
    seen = [colour_of(rgb) for rgb in frames(mp4)]
    assert len(seen) >= 18 and "green" not in seen
    assert replay.cut == [{"kind": "closed_session", "start": 5.0, "end": 11.5}]

    vtt = client.get(reverse("replay-chapters", args=[s.pk]))
    assert vtt.status_code == 200 and vtt["Content-Type"].startswith("text/vtt")
    text = vtt.content.decode()
    assert text.startswith("WEBVTT")
    cues = [block.splitlines() for block in text.split("\n\n")[1:] if block.strip()]
    assert [cue[2] for cue in cues] == [c["title"] for c in replay.chapters]
    start, _, end = cues[1][1].split()
    assert (start, end) == (f"00:00:{second['start']:06.3f}", f"00:00:{second['end']:06.3f}")

    page = client.get(reverse("replay", args=[s.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and not page.cookies
    assert 'kind="chapters"' in html and items[1].title in html
    cuts = html.split('data-testid="replay-cuts"')[1].split("</ul>")[0]
    # 6.5 s said in seconds, never "1 min retirées"
    assert f"{CutSpan.Kind.CLOSED_SESSION.label}\u00a0: 6\u00a0s retirées de la rediffusion" in cuts
    assert f'#t={int(second["start"])}"' in html
    assert 'data-testid="no-transcript"' in html
    archive = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    assert reverse("replay", args=[s.pk]) in archive

    data = mp4.read_bytes()
    url = reverse("replay-video", args=[s.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = client.get(url, HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:1100]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    bad = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(data)}"


def test_failed_rebuild_keeps_the_published_replay(sitting_with_recording, client):
    s, _, rec = sitting_with_recording
    ready = build_replay(s)
    mp4 = replay_file(ready)
    shutil.rmtree(rec)

    again = build_replay(s)

    assert again.state == Replay.State.READY and "No recording" in again.error
    assert again.sha256 == ready.sha256 and mp4.is_file()
    assert client.get(reverse("replay", args=[s.pk])).status_code == 200


def test_no_recording_fails_and_page_is_404(settings, tmp_path, client):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    s = factories.convened(factories.assembly(), items=1)
    page = client.get(reverse("replay", args=[s.pk]))
    assert page.status_code == 404 and 'data-testid="no-replay"' in page.content.decode()
    assert client.get(reverse("replay-video", args=[s.pk])).status_code == 404

    replay = build_replay(s)

    assert replay.state == Replay.State.FAILED and "No recording" in replay.error
    assert client.get(reverse("replay", args=[s.pk])).status_code == 404
    archive = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    assert "replay-link" not in archive


def test_duration_without_ffprobe(parts, monkeypatch):
    with_ffprobe = probe_duration(parts / "part-0001.ts")
    monkeypatch.setattr("streaming.replay.shutil.which", lambda name: None)
    assert probe_duration(parts / "part-0001.ts") == pytest.approx(with_ffprobe, abs=0.1)
    assert with_ffprobe == pytest.approx(6.0, abs=0.5)


def test_an_open_cut_span_runs_to_the_end(sitting_with_recording):
    s, _, _ = sitting_with_recording
    CutSpan.objects.create(
        broadcast=s.broadcast,
        kind=CutSpan.Kind.SUSPENDED,
        started_at=s.log.get(kind="opened").at + datetime.timedelta(seconds=16),
    )

    replay = build_replay(s)

    # kept: red 1→6 s and blue 14→17 s; the suspension is never resumed
    assert replay.state == Replay.State.READY, replay.error
    assert replay.duration == pytest.approx(8.0, abs=1.1)
    assert replay.cut[-1] == {"kind": "suspended", "start": 16.0, "end": 18.5}
    assert {colour_of(rgb) for rgb in frames(replay_file(replay))} == {"red", "blue"}
