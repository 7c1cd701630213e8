"""Live to the end (issue 15): what the people of a sitting see at its edges.

- A councillor who leaves the video departs at once: the chair's desk gets the roll and
  the quorum without them within a moment, not at the next event of the sitting; one
  whose connection drops is given the grace period, and departs when it ends, by itself.
- Closing the sitting, on the real programme (simulated cameras, the real mixer, the
  runner in a thread as a worker runs it): the "Séance levée" slate for a few seconds,
  then the broadcast ends (EXT-X-ENDLIST in every playlist), the replay is built by
  itself with a chapter for every item taken up, and the public page is the sitting's
  record: the results, the deliberations, the archive, "being prepared" then the replay.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from council.routing import websocket_urlpatterns
from sessions import services as sittings
from sessions.models import AttendanceEvent, Sitting, SittingLog
from streaming import services
from streaming.hls import ENDLIST, hls_dir, media_playlists, recording_dir
from streaming.models import Broadcast, Camera, Replay
from streaming.programme.state import SLATES
from streaming.replay import ffmpeg
from streaming.runner import BroadcastRunner
from tests import factories as f
from tests.security.media_presence_cases import camera_offer, connect_media, eventually, joined
from tests.streaming.media import Feed, close_to, picture, wait_for
from voting import services as voting

app = URLRouter(websocket_urlpatterns)


# --- leaving the video ----------------------------------------------------------------


@sync_to_async
def video_sitting():
    """A sitting under way; two councillors not in the chamber, who will join by video."""
    a = f.assembly(members=7, population=1_000)
    s = f.in_session(a, present=5)
    return s, f.chair(a), list(a.members.order_by("id"))[5:]


@sync_to_async
def log_of(sitting, member) -> list[tuple[str, str]]:
    events = AttendanceEvent.objects.filter(sitting=sitting, member=member).order_by("id")
    return [(e.kind, e.mode) for e in events]


async def desk(sitting, chair) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(app, f"/ws/sittings/{sitting.id}/chair/")
    comm.scope["user"] = chair.user
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=10))["type"] == "sittings.snapshot"
    return comm


async def roll_entry(comm: WebsocketCommunicator, member, *, present: bool, within: float):
    """The desk's next snapshot where `member` is (or is no longer) present, and when."""
    start = time.monotonic()
    while True:
        frame = await comm.receive_json_from(timeout=max(0.1, within - (time.monotonic() - start)))
        state = frame.get("state") or {}
        entry = next((m for m in state.get("members", []) if m["id"] == member.id), None)
        if entry is not None and entry["present"] == present:
            return entry, state, time.monotonic() - start


async def by_video(sitting, member):
    """The member's video socket, publishing a camera and a microphone (aiortc)."""
    comm = await joined(sitting, member)
    pc = await camera_offer()
    await comm.send_json_to({"action": "publish", "sdp": pc.localDescription.sdp})
    reader = await connect_media(comm, pc)
    return comm, pc, reader


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_leaving_the_video_departs_at_once_and_a_drop_after_the_grace(settings) -> None:
    settings.SEANCE_JANUS_URL = ""  # the embedded relay
    settings.SEANCE_MEDIA_GRACE_SECONDS = 3
    sitting, chair, (leaver, dropped) = await video_sitting()
    chair_desk = await desk(sitting, chair)
    links = []
    try:
        for member in (leaver, dropped):
            links.append(await by_video(sitting, member))
            entry, state, _ = await roll_entry(chair_desk, member, present=True, within=25)
            assert entry["mode"] == "remote"
        counted = state["attendance"]["present"]

        # "Quitter": the departure is logged and the desk has it at once, quorum included.
        await links[0][0].send_json_to({"action": "leave"})  # then the page closes it (1000)
        entry, state, took = await roll_entry(chair_desk, leaver, present=False, within=2)
        assert took < 2 and entry["mode"] is None
        assert state["attendance"]["present"] == counted - 1
        assert await log_of(sitting, leaver) == [("arrival", "remote"), ("departure", "remote")]

        # A dropped connection (no close of its own): still present during the grace...
        await links[1][0].disconnect(code=1006)
        await asyncio.sleep(1.5)
        assert await log_of(sitting, dropped) == [("arrival", "remote")]
        # ...then departed when it ends, nobody having swept by hand.
        entry, state, took = await roll_entry(chair_desk, dropped, present=False, within=6)
        assert state["attendance"]["present"] == counted - 2
        assert await log_of(sitting, dropped) == [("arrival", "remote"), ("departure", "remote")]
    finally:
        for comm, pc, reader in links:
            reader.cancel()
            await pc.close()
            await comm.disconnect()
        await chair_desk.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_reconnection_within_the_grace_is_no_departure(settings) -> None:
    settings.SEANCE_JANUS_URL = ""
    settings.SEANCE_MEDIA_GRACE_SECONDS = 2
    sitting, _chair, (member, _other) = await video_sitting()
    comm, pc, reader = await by_video(sitting, member)
    await eventually(lambda: log_of(sitting, member))
    reader.cancel()
    await pc.close()
    await comm.disconnect(code=1006)  # the link drops...
    comm, pc, reader = await by_video(sitting, member)  # ...and comes back at once
    try:
        await asyncio.sleep(3)  # past the grace: its sweep found the member connected
        assert await log_of(sitting, member) == [("arrival", "remote")]
    finally:
        reader.cancel()
        await pc.close()
        await comm.disconnect()


# --- the close, on the real programme ----------------------------------------------------


def sitting_under_way(feeds: list[Feed]) -> tuple[Sitting, list]:
    """Seven members, three items, convened for yesterday (so that it may open now),
    the room's two cameras registered."""
    a = f.assembly(members=7, population=1_000)
    s = f.sitting(a, days=-1, items=3, notes=False)
    Sitting.objects.filter(pk=s.pk).update(state=Sitting.State.CONVENED)
    for position, feed in enumerate(feeds, start=1):
        Camera.objects.create(room=s.place, name=feed.name, feed_url=feed.url, position=position)
    return Sitting.objects.get(pk=s.pk), list(a.members.order_by("id"))


@pytest.fixture
def broadcasting(broadcast_settings, feeds):
    broadcast_settings.SEANCE_CLOSING_SLATE_SECONDS = 8  # room for a loaded machine
    sitting, people = sitting_under_way(feeds)
    technician = f.staff(sitting.assembly, role="technician")
    broadcast = services.broadcast_start(sitting=sitting, user=technician)
    runner = BroadcastRunner(broadcast.pk, worker="test-runner")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    wait_for(lambda: refreshed(broadcast).state == Broadcast.State.LIVE, timeout=30)
    wait_for(lambda: (hls_dir(sitting.pk) / "master.m3u8").exists(), timeout=30)
    yield sitting, people, broadcast, thread
    if thread.is_alive():
        Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        thread.join(30)
    assert not thread.is_alive()
    # The replay's transcription runs in a thread of its own (streaming.jobs): it ends
    # before the test's database is emptied under it (a flush it would deadlock with).
    for other in threading.enumerate():
        if other.name.startswith("transcript-"):
            other.join(180)


def refreshed(broadcast: Broadcast) -> Broadcast:
    broadcast.refresh_from_db()
    return broadcast


def hands(item, counts: dict[str, int]) -> None:
    vote = voting.vote_open(item=item, kind="hands", user=None)
    voting.vote_close(vote=vote, user=None, counts=counts, confirm=True)


def ended(out: Path) -> bool:
    playlists = media_playlists(out)
    return bool(playlists) and all(ENDLIST in p.read_text().splitlines() for p in playlists)


def public_page(sitting: Sitting) -> str:
    response = Client().get(f"/sittings/{sitting.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_close_ends_the_broadcast_and_the_public_page_is_the_record(broadcasting) -> None:
    sitting, people, broadcast, thread = broadcasting
    out = hls_dir(sitting.pk)
    f.arrive(sitting, people)
    sittings.secretary_name(sitting=sitting, member=people[1], user=None)
    sittings.sitting_open(sitting=sitting, user=None, open_anyway=True, reason="essai")
    assert wait_for(lambda: close_to(picture(out), (255, 0, 0)), timeout=60)
    first, second, third = sitting.items.order_by("position")
    for item, counts in ((first, {"for": 6, "against": 1}), (second, {"for": 2, "against": 5})):
        sittings.item_take_up(sitting=sitting, item=item, user=None)
        time.sleep(2)
        hands(item, counts)
    sittings.item_take_up(sitting=sitting, item=third, user=None)  # for information: no vote
    time.sleep(2)
    assert ENDLIST not in (out / "360p" / "index.m3u8").read_text()

    sittings.sitting_close(sitting=sitting, user=None)
    # The closing slate goes out for a few seconds, while the broadcast is still live...
    assert wait_for(lambda: close_to(picture(out), SLATES["closed"].colour), timeout=30)
    assert refreshed(broadcast).state == Broadcast.State.LIVE
    page = public_page(sitting)
    assert "La séance est levée" in page
    assert (
        "Rediffusion en préparation\u00a0: son lien apparaîtra ici dès qu’elle sera prête." in page
    )
    # ...then it ends by itself: every playlist closed, the runner gone, the replay built.
    wait_for(lambda: refreshed(broadcast).state == Broadcast.State.STOPPED, timeout=60)
    thread.join(120)
    assert not thread.is_alive()
    assert ended(out)
    replay = Replay.objects.get(sitting=sitting)
    assert replay.state == Replay.State.READY, replay.error
    assert [c["title"] for c in replay.chapters] == [
        "1. Délibération 1",
        "2. Délibération 2",
        "3. Délibération 3",
    ]
    assert all(c["end"] - c["start"] > 1 for c in replay.chapters)

    # The public page is the sitting's record.
    page = public_page(sitting)
    assert 'data-state="closed"' in page and 'data-replay="ready"' in page
    assert f'href="/archive/sittings/{sitting.pk}/replay/">Voir la rediffusion</a>' in page
    assert f'href="/archive/sittings/{sitting.pk}/"' in page
    assert 'id="programme"' not in page  # no player
    record = page.split('id="sitting-record"')[1].split("</section>")[0]
    assert record.count("Adopté") == 1 and record.count("Rejeté") == 1
    assert "1. Délibération 1" in record and "2. Délibération 2" in record
    assert "3. Délibération 3" not in record.split("Délibérations</h3>")[0]  # no vote on it
    numbers = [d.identifier for d in sitting.deliberations.order_by("number")]
    assert len(numbers) == 2 and all(n in record for n in numbers)
    assert "Son PDF est mis en ligne dès que le secrétariat le publie." in record


@pytest.mark.django_db
def test_a_sitting_closed_after_the_broadcast_was_stopped_gets_its_replay(
    settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    """Stopped by hand before the close: the close itself has the recording built."""
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5)
    # Six seconds recorded, from the opening (journal entries of the recording's time).
    began = timezone.now() - datetime.timedelta(seconds=6)
    folder = recording_dir(s.pk)
    folder.mkdir(parents=True)
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=160x90:r=10:d=6",
         "-f", "lavfi", "-i", "sine=f=440:d=6", "-c:v", "libx264", "-preset", "ultrafast",
         "-g", "10", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mpegts",
         str(folder / "part-0001.ts")],
        check=True,
    )  # fmt: skip
    (folder / "part-0001.json").write_text(json.dumps({"run": 1, "started": began.timestamp()}))
    at = lambda seconds: began + datetime.timedelta(seconds=seconds)  # noqa: E731
    SittingLog.objects.create(sitting=s, at=at(0.5), kind="opened")
    item = s.items.get()
    SittingLog.objects.create(sitting=s, at=at(1), kind="item_taken_up", data={"item": item.pk})
    Broadcast.objects.create(sitting=s, state=Broadcast.State.STOPPED, started_at=began)

    with django_capture_on_commit_callbacks(execute=True):
        sittings.sitting_close(sitting=s, user=None)
    replay = Replay.objects.get(sitting=s)
    assert replay.state == Replay.State.READY, replay.error
    assert [c["title"] for c in replay.chapters] == [f"1. {item.title}"]
    assert 'data-replay="ready"' in public_page(s)


@pytest.mark.django_db
def test_a_sitting_never_broadcast_says_so_in_its_record() -> None:
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5)
    sittings.sitting_close(sitting=s, user=None)
    page = public_page(s)
    assert "Cette séance n’a pas été retransmise\u00a0: il n’y a pas de rediffusion." in page
    assert not Replay.objects.filter(sitting=s).exists()
