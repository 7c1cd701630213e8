"""What the régie says of the programme (streaming.regie), as the technician reads it in
French: the suspension and the camera it holds, the remote speaker in picture in picture,
protected speech, why a camera is on its slate, a runner gone or late, the close."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sessions import services as sittings
from streaming import services
from streaming.broadcast import initial_programme
from streaming.models import Broadcast, Camera
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)  # the direction follows after commit

N = "\u00a0"


def source(name: str, state: str = "live", running: bool = True, silent=0.1, starts=1) -> dict:
    """One input of the runner's health report (streaming.programme.ingest.Ingest.health)."""
    return {
        "name": name,
        "state": state,
        "camera_silent_for": silent,
        "camera": {"running": running, "starts": starts},
        "restarts": max(0, starts - 1),
        "remote": False,
    }


@pytest.fixture
def live(settings, tmp_path):
    """A sitting under way, broadcast; its runner is played by the test (the health)."""
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5)
    for n, name in enumerate(("Plan large", "Tribune"), start=1):
        Camera.objects.create(
            room=s.place, name=name, feed_url=f"udp://127.0.0.1:{9 + n}", position=n
        )
    technician = f.staff(a, role="technician")
    Broadcast.objects.create(
        sitting=s,
        state=Broadcast.State.LIVE,
        programme=initial_programme(s, {}),
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),  # handed over, not yet claimed: not gone
    )
    client = Client()
    client.force_login(technician)
    return s, client


def report(sitting, inputs: list[dict], **applied) -> None:
    """The runner's report: what it has applied, and its inputs."""
    broadcast = Broadcast.objects.get(sitting=sitting)
    state = {"cut": 0, "pip": None, "lower_third": None, "slate": None, "muted": False}
    broadcast.health = {
        "state": {**state, **applied},
        "inputs": inputs,
        "rev": broadcast.programme.get("rev", 0),
    }
    broadcast.heartbeat_at = timezone.now()
    broadcast.save()


def status(sitting, client) -> dict:
    response = client.get(
        f"/broadcast/sittings/{sitting.pk}/health.json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
    return response.json()


def test_a_suspension_says_what_the_public_sees_and_the_camera_held(live) -> None:
    sitting, client = live
    sittings.sitting_suspend(sitting=sitting, user=None)
    report(sitting, [source("Plan large"), source("Tribune")], slate="suspended")
    said = status(sitting, client)
    assert said["programme_state"] == {
        "kind": "suspended",
        "title": f"Séance suspendue{N}: le public voit la mire «{N}Séance suspendue{N}»,"
        " sans le son.",
        "lines": [f"Caméra tenue sous la mire{N}: Plan large."],
    }
    assert [(c["on_air"], c["held"]) for c in said["cameras"]] == [(False, True), (False, False)]
    assert said["applied_rev"] == said["rev"]


def test_the_remote_speaker_in_picture_and_protected_speech(live) -> None:
    sitting, client = live
    broadcast = Broadcast.objects.get(sitting=sitting)
    broadcast.programme.update(
        pip=2, remote_pip=True, lower_third={"name": "Mme Durand", "role": "", "item": ""}
    )
    broadcast.save()
    services.protected_speech(sitting=sitting, user=None, on=True, reason="Santé d’un agent")
    report(sitting, [source("Plan large"), source("Tribune")], pip=2, muted=True)
    lines = status(sitting, client)["programme_state"]["lines"]
    assert lines[0].startswith(f"Parole protégée{N}: le son est coupé depuis ")
    assert lines[0].endswith(" (Santé d’un agent).")
    assert lines[1] == f"Intervenant à distance en incrustation{N}: Mme Durand."


def test_why_a_camera_is_on_its_slate(live) -> None:
    sitting, client = live
    inputs = [
        source("Plan large", state="slate", running=False, starts=3),
        source("Tribune", state="slate", silent=12.4),
    ]
    report(sitting, inputs)
    reasons = [c["reason"] for c in status(sitting, client)["cameras"]]
    assert reasons == [
        f"Pas de signal{N}: reconnexion à la caméra (tentative 4).",
        "Pas de signal depuis 12 secondes.",
    ]
    report(sitting, [source("Plan large"), source("Tribune", state="slate", silent=None)])
    reasons = [c["reason"] for c in status(sitting, client)["cameras"]]
    assert reasons == ["", f"Pas de signal{N}: rien reçu de la caméra pour l’instant."]


def test_a_runner_gone_or_late(live) -> None:
    sitting, client = live
    report(sitting, [source("Plan large"), source("Tribune")])
    late = timezone.now() - datetime.timedelta(seconds=8)
    Broadcast.objects.filter(sitting=sitting).update(worker="", heartbeat_at=late)
    said = status(sitting, client)["programme_state"]
    assert said["title"] == f"À l’antenne{N}: Plan large."
    assert said["lines"] == [f"Aucun rapport du worker de diffusion depuis 8{N}s."]

    # Its lease lapsed: nothing goes out, and every camera says why.
    gone = timezone.now() - datetime.timedelta(minutes=5)
    Broadcast.objects.filter(sitting=sitting).update(worker="", heartbeat_at=gone)
    said = status(sitting, client)
    assert said["state"] == "lost"
    assert said["programme_state"]["title"] == (
        f"Rien ne sort{N}: aucun worker de diffusion ne fait tourner le programme."
    )
    assert {c["reason"] for c in said["cameras"]} == {
        f"Interrompue{N}: le worker de diffusion a disparu (son bail a expiré)."
    }
    assert not any(c["on_air"] for c in said["cameras"])


def test_a_cut_numbers_the_programme_and_the_close_shows_its_slate(live) -> None:
    sitting, client = live
    before = Broadcast.objects.get(sitting=sitting).programme["rev"]
    answer = client.post(
        f"/broadcast/sittings/{sitting.pk}/command/",
        {"action": "cut", "camera": "1"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert answer["rev"] == before + 1 and answer["applied_rev"] < answer["rev"]
    assert [c["asked"] for c in answer["cameras"]] == [False, True]

    sittings.sitting_close(sitting=sitting, user=None)
    programme = Broadcast.objects.get(sitting=sitting).programme
    assert programme["slate"] == "closed" and programme["closing"]["seconds"] > 0
    said = status(sitting, client)["programme_state"]
    assert said["kind"] == "closing"
    assert said["lines"] == [f"Rediffusion{N}: en préparation."]
    # Its slate stays until the broadcast ends: not lifted by hand.
    refused = client.post(
        f"/broadcast/sittings/{sitting.pk}/command/",
        {"action": "slate", "slate": ""},
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        f"La séance est levée{N}: sa mire reste à l’antenne jusqu’à la fin de la diffusion."
    )
