"""The broadcast runner starts the live captions beside the mixer when they are on: the
subtitles rendition in the master, the councillor who has the floor named in the captions,
the worker's figures in the health, the subtitles playlist ended with the broadcast."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.utils import timezone

from sessions.models import SpeakingRequest
from streaming import services
from streaming.hls import ENDLIST, hls_dir
from streaming.models import Broadcast, Camera
from streaming.programme.ingest import free_udp_port
from streaming.runner import BroadcastRunner
from tests import factories as f
from tests.streaming.media import wait_for
from tests.streaming.speaking_feed import SpeakingFeed, chamber, cue_texts, subtitle_segments

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_runner_captions_the_floor_holder(broadcast_settings, settings, tmp_path: Path) -> None:
    settings.SEANCE_LIVE_CAPTIONS = True
    assembly = f.assembly(members=5, population=1_000)  # no explanatory notes needed
    sitting = f.in_session(assembly, present=5)  # open: no slate, the room is heard
    speaker = f.councillors(assembly)[0]
    SpeakingRequest.objects.create(
        sitting=sitting, member=speaker, state=SpeakingRequest.State.SPEAKING,
        requested_at=timezone.now(), started_at=timezone.now(),
    )  # fmt: skip
    feed = SpeakingFeed("Salle", chamber(tmp_path), free_udp_port())
    Camera.objects.create(room=sitting.place, name=feed.name, feed_url=feed.url, position=1)
    broadcast = services.broadcast_start(sitting=sitting, user=f.staff(assembly, "technician"))
    runner = BroadcastRunner(broadcast.pk, worker="test-runner")
    thread = threading.Thread(target=runner.run, daemon=True)
    out = hls_dir(sitting.pk)
    feed.start()
    try:
        thread.start()
        wait_for((out / "master.m3u8").exists, timeout=30)
        assert 'URI="subtitles/index.m3u8"' in (out / "master.m3u8").read_text()
        named = f"<v {speaker.full_name}>{speaker.full_name} : "
        wait_for(
            lambda: any(named in t for _, vtt in subtitle_segments(out) for t in cue_texts(vtt)),
            timeout=45,
            step=0.5,
        )
        wait_for(
            lambda: (
                (
                    (Broadcast.objects.get(pk=broadcast.pk).health.get("captions") or {}).get(
                        "cues", 0
                    )
                )
                > 0
            ),  # fmt: skip
            timeout=10,
        )
    finally:
        Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        thread.join(40)
        feed.stop()
    assert not thread.is_alive()
    assert (out / "subtitles" / "index.m3u8").read_text().rstrip().endswith(ENDLIST)
