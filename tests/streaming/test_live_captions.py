"""Live captions (streaming.transcript.live) and the sobriety figures (streaming.hls
SegmentTally) on a real broadcast: a simulated camera whose sound is French speech made by
espeak-ng, the real mixer and ladder, the real model on one thread. The subtitles
rendition gets the spoken words within seconds, lined up with the audio rendition; the
closed session's slate carries none; each rendition's bytes per viewer-hour, as the
health page shows them, are its segments' sizes on disk."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.urls import reverse

from streaming.hls import per_viewer_hour
from streaming.models import Broadcast
from streaming.ports import free_port as free_tcp_port
from streaming.programme.graph import ProgrammeConfig, ProgrammeInput
from streaming.programme.ingest import free_udp_port
from streaming.programme.supervisor import Supervisor
from streaming.transcript.live import LiveCaptions
from tests import factories
from tests.streaming.media import LADDER, wait_for
from tests.streaming.speaking_feed import SpeakingFeed, chamber, cue_texts, subtitle_segments

SPEAKER = "Jeanne Martin"
# Every test here uses the database, so that they run in this order (pytest-django puts
# database tests first): the last one stops the broadcast.
pytestmark = pytest.mark.django_db


def stems(text: str) -> set[str]:
    return {w.strip(".,!?;:'’").lower()[:6] for w in re.split(r"[\s>]", text)}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    feed = SpeakingFeed("Salle", chamber(tmp_path_factory.mktemp("speech")), free_udp_port())
    feed.start()
    out = tmp_path_factory.mktemp("hls")
    config = ProgrammeConfig(
        inputs=(ProgrammeInput(feed.name, feed.url),),
        output_dir=out,
        control_address=f"tcp://127.0.0.1:{free_tcp_port()}",
        ladder=LADDER[1:],
        preset="ultrafast",
        list_size=600,  # nothing deleted during the tests: every segment stays on disk
        subtitles=True,
    )
    supervisor = Supervisor(config)
    captions = LiveCaptions(out, speaker=lambda: SPEAKER)
    supervisor.start()
    captions.start()
    stopped: list[bool] = []

    def stop() -> None:
        if not stopped:
            supervisor.stop()
            captions.stop()
            feed.stop()
            stopped.append(True)

    yield {"out": out, "supervisor": supervisor, "captions": captions, "stop": stop}
    stop()


def test_the_spoken_words_are_captioned_within_seconds(live):
    out = live["out"]
    started = time.monotonic()

    def heard() -> set[str]:
        said = " ".join(t for _, vtt in subtitle_segments(out) for t in cue_texts(vtt))
        # The words the small model hears in espeak-ng's voice sentence by sentence.
        return stems(said) & {"commun", "piscin"}

    wait_for(lambda: len(heard()) == 2, timeout=45, step=0.5)
    print(f"captioned in {time.monotonic() - started:.1f} s:", heard())
    print(live["captions"].health())
    segments = subtitle_segments(out)
    vtt = next(v for _, v in segments if cue_texts(v))
    assert vtt.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:")
    assert f"<v {SPEAKER}>{SPEAKER} : " in " ".join(v for _, v in segments)

    # One subtitles segment per audio segment: same sequence, durations, dates.
    audio = (out / "audio" / "index.m3u8").read_text()
    subtitles = (out / "subtitles" / "index.m3u8").read_text()
    sequence = re.compile(r"^#EXT-X-MEDIA-SEQUENCE:(\d+)$", re.M)
    assert sequence.findall(audio) == sequence.findall(subtitles)
    timed = re.compile(r"^(#EXTINF:.*|#EXT-X-PROGRAM-DATE-TIME:.*)\n(seg_\d+)\.(?:m4s|vtt)$", re.M)
    listed = timed.findall(subtitles)
    assert listed and set(listed) <= set(timed.findall(audio))


def test_the_master_playlist_lists_the_subtitles(live):
    master = (live["out"] / "master.m3u8").read_text()
    media = [line for line in master.splitlines() if "TYPE=SUBTITLES" in line]
    assert len(media) == 1 and 'URI="subtitles/index.m3u8"' in media[0]
    assert 'LANGUAGE="fr"' in media[0]
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants and all('SUBTITLES="subs"' in line for line in variants)


def number(name: str) -> int:
    """A segment's number: seg_00042.m4s and seg_00042.vtt are the same segment."""
    return int(name.split("_")[1].split(".")[0])


def no_caption_begins_after(out: Path, put_up: Callable[[], None]) -> None:
    """After `put_up` (a slate, a mute), no caption begins: the programme's sound is cut,
    and silence is never recognised. Its effect reaches the segments within 2 s."""
    audio = (out / "audio" / "index.m3u8").read_text()
    on_air = max(number(line) for line in audio.splitlines() if line.startswith("seg_"))
    put_up()
    after = on_air + 3
    wait_for(
        lambda: any(number(name) >= after + 8 for name, _ in subtitle_segments(out)),
        timeout=40,
        step=0.5,
    )
    begun = []
    for name, vtt in subtitle_segments(out):
        local = re.search(r"LOCAL:(\S+)", vtt).group(1)  # type: ignore[union-attr]
        starts = [line.split()[0] for line in vtt.splitlines() if " --> " in line]
        if number(name) >= after:
            begun += [(name, start) for start in starts if start >= local]
    assert not begun


def test_the_closed_session_slate_and_protected_speech_carry_no_caption(live):
    out, control = live["out"], live["supervisor"].control
    no_caption_begins_after(out, lambda: control.slate("closed_session"))
    control.slate(None)
    no_caption_begins_after(out, lambda: control.mute(True))
    control.mute(False)


def test_the_health_page_shows_each_renditions_bytes_per_viewer_hour(live, client, settings):
    out = live["out"]
    live["stop"]()
    tally = live["supervisor"].health()["segments"]
    # What the segments listed weigh on disk, per hour of their duration.
    on_disk = {}
    for rendition in ("audio", *(rung.name for rung in LADDER[1:])):
        text = (out / rendition / "index.m3u8").read_text()
        durations = [float(d) for d in re.findall(r"^#EXTINF:([\d.]+),", text, re.M)]
        names = [line for line in text.splitlines() if line.startswith("seg_")]
        size = sum((out / rendition / name).stat().st_size for name in names)
        on_disk[rendition] = size / sum(durations) * 3600
        assert tally[rendition]["bytes"] == size
    expected = {name: on_disk[name] + on_disk["audio"] for name in on_disk if name != "audio"}
    expected["audio"] = on_disk["audio"]
    assert {name: rate for name, rate in per_viewer_hour(tally)} == pytest.approx(expected, 1e-3)

    a = factories.assembly(members=3)
    s = factories.convened(a)
    Broadcast.objects.create(sitting=s, health={"segments": tally})
    settings.SEANCE_HLS_DIR = out.parent
    client.force_login(factories.staff(a))
    page = client.get(reverse("broadcast-health", args=[s.pk])).content.decode()
    shown = dict(re.findall(r'data-rendition="([^"]+)" data-bytes-per-hour="(\d+)"', page))
    assert {name: int(v) for name, v in shown.items()} == pytest.approx(expected, rel=1e-6, abs=1)
    for name, rate in expected.items():
        megabytes = f"{rate / 1e6:.1f}".replace(".", ",")
        assert f"{megabytes}\u00a0Mo" in page, (name, megabytes)
    # The public player says it too, to anyone.
    client.logout()
    public = client.get(reverse("sitting-public", args=[s.pk])).content.decode()
    shown = dict(re.findall(r'data-rendition="([^"]+)" data-bytes-per-hour="(\d+)"', public))
    assert {name: int(v) for name, v in shown.items()} == pytest.approx(expected, rel=1e-6, abs=1)
    assert "Données consommées par cette diffusion" in public
