"""The broadcast as the sitting drives it: the services write the programme, the runner
(here in a thread of the test, in production in a Celery worker) applies it to the real
mixer, and the proof is read back from the HLS segments a viewer receives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from sessions import services as sittings
from sessions.models import Sitting
from streaming import services
from streaming.hls import hls_dir, preview_dir
from streaming.models import Broadcast, Camera, CutSpan, Replay
from streaming.programme.state import SLATES
from streaming.runner import BroadcastRunner
from tests import factories as f
from tests.streaming.media import (
    Feed,
    close_to,
    eventually,
    loudness,
    picture,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

RED, LIME = (255, 0, 0), (0, 255, 0)


@pytest.fixture
def feed_names() -> tuple[str, ...]:
    return ("Camera-A", "Camera-B")


@pytest.fixture
def setup(broadcast_settings, feeds: list[Feed]):
    assembly = f.assembly(members=7)
    sitting = f.convened(assembly)
    for position, feed in enumerate(feeds, start=1):
        Camera.objects.create(
            room=sitting.place, name=feed.name, feed_url=feed.url, position=position
        )
    return assembly, sitting


@pytest.fixture
def running(setup) -> Iterator[tuple[Sitting, Broadcast]]:
    assembly, sitting = setup
    technician = f.staff(assembly, role="technician")
    broadcast = services.broadcast_start(sitting=sitting, user=technician)
    runner = BroadcastRunner(broadcast.pk, worker="test-runner")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    wait_for(lambda: refreshed(broadcast).state == Broadcast.State.LIVE, timeout=20)
    wait_for(lambda: (hls_dir(sitting.pk) / "master.m3u8").exists(), timeout=20)
    yield sitting, broadcast
    Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
    thread.join(20)
    assert not thread.is_alive()


def shows(out: Path, colour: tuple[int, int, int] | str) -> bool:
    return eventually(lambda: close_to(picture(out), colour), timeout=60)


def silent(out: Path) -> bool:
    """Silence comes, and it lasts."""
    eventually(lambda: loudness(out) < -80, timeout=60)
    return loudness(out) < -80


def sounds(out: Path) -> bool:
    return eventually(lambda: loudness(out) > -30, timeout=60)


def refreshed(broadcast: Broadcast) -> Broadcast:
    broadcast.refresh_from_db()
    return broadcast


def test_the_programme_follows_the_sitting(running, setup) -> None:
    sitting, broadcast = running
    assembly = setup[0]
    out = hls_dir(sitting.pk)
    assert shows(out, SLATES["before_start"].colour)

    people = list(assembly.members.order_by("id"))
    f.arrive(sitting, people)
    sittings.secretary_name(sitting=sitting, member=people[1], user=None)
    sittings.sitting_open(sitting=sitting, user=None, open_anyway=True, reason="essai")
    assert shows(out, RED)  # the wide shot, camera 0
    assert sounds(out)

    services.programme_cut(sitting=sitting, user=None, camera=1)
    assert shows(out, LIME)

    # R25: the closed session cuts to its slate and silences the programme.
    chair = f.chair(assembly)
    assert f.closed_session(sitting, [chair], votes_for=7)
    assert shows(out, SLATES["closed_session"].colour)
    assert silent(out)
    assert CutSpan.objects.get(kind=CutSpan.Kind.CLOSED_SESSION).ended_at is None
    sittings.closed_session_leave(sitting=sitting, user=None)
    assert shows(out, RED)
    assert CutSpan.objects.get(kind=CutSpan.Kind.CLOSED_SESSION).ended_at is not None

    # R33: protected speech mutes at once and is marked for the replay.
    services.protected_speech(sitting=sitting, user=None, on=True, reason="Situation d'un agent")
    assert silent(out)
    assert shows(out, RED)
    services.protected_speech(sitting=sitting, user=None, on=False)
    assert sounds(out)
    span = CutSpan.objects.get(kind=CutSpan.Kind.PROTECTED)
    assert span.reason == "Situation d'un agent" and span.ended_at is not None

    # The technician's previews are written, and only outside the public folder.
    wait_for(lambda: (preview_dir(sitting.pk) / "1.jpg").exists(), timeout=10)
    assert not list(out.rglob("*.jpg")) and not list(out.rglob("*.ts"))

    health = refreshed(broadcast).health
    assert [source["name"] for source in health["inputs"]] == ["Camera-A", "Camera-B"]
    assert all(source["kbps"] > 50 for source in health["inputs"])

    # Closing the sitting ends the broadcast, and its recording becomes the replay, with
    # the closed session and the protected speech cut out (R34).
    sittings.sitting_close(sitting=sitting, user=None)
    wait_for(lambda: refreshed(broadcast).state == Broadcast.State.STOPPED, timeout=60)
    wait_for(lambda: Replay.objects.filter(sitting=sitting).exclude(state="pending").exists(), 60)
    replay = Replay.objects.get(sitting=sitting)
    assert replay.state == Replay.State.READY, replay.error
    assert {cut["kind"] for cut in replay.cut} == {"closed_session", "protected"}
    assert replay.duration > 5 and replay.size > 10_000


def test_regie_commands_and_refusals(running, setup) -> None:
    sitting, broadcast = running
    assembly = setup[0]
    client = Client()
    client.force_login(f.staff(assembly, role="technician"))
    url = f"/broadcast/sittings/{sitting.pk}/command/"
    json_headers = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "fr"}

    page = client.get(f"/broadcast/sittings/{sitting.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert "Camera-B" in page.content.decode() and "Couper dessus" in page.content.decode()

    ok = client.post(url, {"action": "slate", "slate": ""}, **json_headers)
    assert ok.status_code == 200 and ok.json()["programme"]["slate"] is None
    assert shows(hls_dir(sitting.pk), RED)

    refused = client.post(url, {"action": "cut", "camera": "7"}, **json_headers)
    assert refused.status_code == 400
    assert refused.json()["message"] == "Cette salle n’a pas cette caméra."
    unknown = client.post(url, {"action": "explode"}, **json_headers)
    assert unknown.status_code == 400
    assert refreshed(broadcast).programme["cut"] == 0  # nothing changed by the refusals

    health = client.get(f"/broadcast/sittings/{sitting.pk}/health.json").json()
    assert health["state"] == "live" and len(health["health"]["inputs"]) == 2
    image = client.get(f"/broadcast/sittings/{sitting.pk}/preview/0.jpg")
    wait_for(lambda: (preview_dir(sitting.pk) / "0.jpg").exists(), timeout=10)
    image = client.get(f"/broadcast/sittings/{sitting.pk}/preview/0.jpg")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"

    # Not for councillors or the public.
    councillor = Client()
    councillor.force_login(f.councillors(assembly)[0].user)
    assert councillor.post(url, {"action": "stop"}, **json_headers).status_code == 403
    assert Client().get(f"/broadcast/sittings/{sitting.pk}/health.json").status_code == 302


def test_start_refused_without_camera(setup) -> None:
    assembly, sitting = setup
    Camera.objects.all().delete()
    client = Client()
    client.force_login(f.staff(assembly, role="technician"))
    response = client.post(
        f"/broadcast/sittings/{sitting.pk}/command/",
        {"action": "start"},
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 409
    assert "n’a aucune caméra" in response.json()["message"]
    assert not Broadcast.objects.filter(sitting=sitting, state__in=Broadcast.RUNNING).exists()


def test_regie_status_in_the_page_is_escaped(db) -> None:
    """What the broadcast reports (an error quoting a camera's name, a lower third typed by
    hand) reaches the régie's script as data, never as markup."""
    import json
    import re

    assembly = f.assembly(members=3)
    sitting = f.convened(assembly)
    hostile = "</script><script>alert(1)</script>"
    Broadcast.objects.create(
        sitting=sitting, last_error=f"camera {hostile} lost", programme={"lower_third": hostile}
    )
    client = Client()
    client.force_login(f.staff(assembly, role="technician"))
    page = client.get(f"/broadcast/sittings/{sitting.pk}/").content.decode()
    assert hostile not in page
    data = re.search(r'<script id="regie-status" type="application/json">(.*?)</script>', page)
    assert data is not None
    status = json.loads(data.group(1))
    assert status["last_error"] == f"camera {hostile} lost"
    assert status["programme"]["lower_third"] == hostile
