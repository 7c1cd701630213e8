"""The broadcast's transitions (streaming.broadcast) and the runner's camera moves
(streaming.services): each refuses from a state it does not start from, with its code and
its one French message; the régie's page reads without creating the broadcast, and says
what to do when nothing goes out."""

from __future__ import annotations

import threading

import pytest
from django.test import Client
from django.utils import timezone, translation

from streaming import broadcast as transitions
from streaming import jobs, services
from streaming.broadcast import RunnerReport
from streaming.errors import MESSAGES, BroadcastInvalid, BroadcastRefused, Code
from streaming.lease import LOCAL_RUNNERS, Owner
from streaming.models import Broadcast, Camera
from tests import factories as f

pytestmark = pytest.mark.django_db

N = "\u00a0"
GONE = "otherhost:1:1:1"  # another host's runner, its lease lapsed long ago


@pytest.fixture
def sitting(settings, tmp_path):
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    a = f.assembly(members=3, population=1_000)  # no explanatory notes needed (R8)
    s = f.in_session(a, present=3)
    Camera.objects.create(room=s.place, name="Plan large", feed_url="udp://127.0.0.1:9")
    return s


def broadcast_in(sitting, state, worker="", **fields) -> Broadcast:
    return Broadcast.objects.create(
        sitting=sitting,
        state=state,
        worker=worker,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        **fields,
    )


def refused(call, code: Code, french: str) -> None:
    with translation.override("fr"), pytest.raises(BroadcastRefused) as caught:
        call()
    assert caught.value.code == code.value == caught.value.as_dict()["code"]
    assert caught.value.message == french
    assert caught.value.status == 409


def report() -> RunnerReport:
    return RunnerReport(running=True, health={}, pid=None, pids=[], restarts=0, last_error="")


def test_start_refused_while_running_and_for_a_draft(sitting) -> None:
    broadcast_in(sitting, Broadcast.State.LIVE)
    refused(
        lambda: transitions.broadcast_start(sitting=sitting, user=None),
        Code.ALREADY_RUNNING,
        "La diffusion est déjà en cours.",
    )
    draft = f.sitting(sitting.assembly)
    refused(
        lambda: transitions.broadcast_start(sitting=draft, user=None),
        Code.SITTING_NOT_LIVE,
        "Seule une séance convoquée ou en cours peut être diffusée.",
    )
    assert not Broadcast.objects.filter(sitting=draft).exists()


@pytest.mark.parametrize("state", [Broadcast.State.IDLE, Broadcast.State.STOPPED])
def test_stop_refused_when_not_running(sitting, state) -> None:
    broadcast_in(sitting, state)
    refused(
        lambda: transitions.broadcast_stop(sitting=sitting, user=None),
        Code.NOT_RUNNING,
        "La diffusion n’est pas en cours.",
    )
    assert Broadcast.objects.get(sitting=sitting).state == state


def test_claim_refused_when_stopped_or_held_by_a_live_runner(sitting) -> None:
    stopped = broadcast_in(sitting, Broadcast.State.STOPPED)
    refused(
        lambda: transitions.broadcast_claim(broadcast_id=stopped.pk, worker="me"),
        Code.NOT_RUNNING,
        "La diffusion n’est pas en cours.",
    )
    here = str(Owner.here())
    Broadcast.objects.filter(pk=stopped.pk).update(state=Broadcast.State.LIVE, worker=here)
    LOCAL_RUNNERS[stopped.pk] = threading.current_thread()  # alive, in this very process
    try:
        refused(
            lambda: transitions.broadcast_claim(broadcast_id=stopped.pk, worker="me"),
            Code.HELD_ELSEWHERE,
            "Un autre worker de diffusion, toujours en vie, tient la diffusion.",
        )
    finally:
        del LOCAL_RUNNERS[stopped.pk]
    assert Broadcast.objects.get(pk=stopped.pk).worker == here


def test_heartbeat_refused_after_a_stop_and_to_another_worker(sitting) -> None:
    broadcast = broadcast_in(sitting, Broadcast.State.STOPPING, worker="me")
    refused(
        lambda: transitions.broadcast_heartbeat(
            broadcast_id=broadcast.pk, worker="me", report=report()
        ),
        Code.NOT_RUNNING,
        "La diffusion n’est pas en cours.",
    )
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.STOPPING
    Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.LIVE)
    refused(
        lambda: transitions.broadcast_heartbeat(
            broadcast_id=broadcast.pk, worker="someone else", report=report()
        ),
        Code.NOT_HELD,
        "Ce worker de diffusion ne tient plus la diffusion.",
    )
    transitions.broadcast_heartbeat(broadcast_id=broadcast.pk, worker="me", report=report())
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.LIVE


def test_the_runner_writes_only_what_it_holds(sitting) -> None:
    broadcast = broadcast_in(sitting, Broadcast.State.LIVE, worker="me")
    not_held = "Ce worker de diffusion ne tient plus la diffusion."
    for call in (
        lambda: transitions.broadcast_failed(broadcast_id=broadcast.pk, worker="x", error="e"),
        lambda: transitions.broadcast_ended(broadcast_id=broadcast.pk, worker="x"),
        lambda: transitions.broadcast_handed_over(broadcast_id=broadcast.pk, worker="x"),
        lambda: transitions.broadcast_wired(
            broadcast_id=broadcast.pk, worker="x", control_address="tcp://127.0.0.1:1"
        ),
    ):
        refused(call, Code.NOT_HELD, not_held)
    assert not transitions.broadcast_lease_renew(broadcast_id=broadcast.pk, worker="x")
    fresh = Broadcast.objects.get(pk=broadcast.pk)
    assert (fresh.state, fresh.worker, fresh.control_address) == ("live", "me", "")


def test_hand_over_refused_once_a_stop_is_asked_and_the_end_stops_it(sitting) -> None:
    broadcast = broadcast_in(sitting, Broadcast.State.STOPPING, worker="me", pids=[1])
    refused(
        lambda: transitions.broadcast_handed_over(broadcast_id=broadcast.pk, worker="me"),
        Code.NOT_RUNNING,
        "La diffusion n’est pas en cours.",
    )
    transitions.broadcast_ended(broadcast_id=broadcast.pk, worker="me")
    fresh = Broadcast.objects.get(pk=broadcast.pk)
    assert (fresh.state, fresh.pids, fresh.heartbeat_at) == ("stopped", [], None)


def test_end_and_failure_refused_for_a_broadcast_never_started(sitting) -> None:
    broadcast = broadcast_in(sitting, Broadcast.State.IDLE, worker="me")
    for call in (
        lambda: transitions.broadcast_ended(broadcast_id=broadcast.pk, worker="me"),
        lambda: transitions.broadcast_failed(broadcast_id=broadcast.pk, worker="me", error="e"),
    ):
        refused(call, Code.NOT_RUNNING, "La diffusion n’est pas en cours.")
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.IDLE


def test_rescue_refused_when_stopped_or_its_runner_alive(sitting) -> None:
    stopped = broadcast_in(sitting, Broadcast.State.STOPPED, worker=GONE)
    refused(
        lambda: transitions.broadcast_rescue(broadcast=stopped),
        Code.NOT_RUNNING,
        "La diffusion n’est pas en cours.",
    )
    Broadcast.objects.filter(pk=stopped.pk).update(state=Broadcast.State.LIVE, worker="")
    alive = Broadcast.objects.get(pk=stopped.pk)  # handed over just now, not yet claimed
    refused(
        lambda: transitions.broadcast_rescue(broadcast=alive),
        Code.NOT_ORPHANED,
        f"Le worker de la diffusion est toujours là{N}: rien à reprendre.",
    )
    assert transitions.rescue_orphans() == []


def test_a_cancelled_shot_is_refused_and_leaves_the_programme(sitting) -> None:
    programme = {"cut": 0, "shot": {"id": 3, "camera": 0, "slot": 1}, "rev": 7}
    broadcast = broadcast_in(sitting, Broadcast.State.LIVE, worker="me", programme=programme)
    cancelled = "Ce mouvement de caméra a été annulé entre-temps."
    refused(
        lambda: services.shot_moving(broadcast_id=broadcast.pk, shot_id=2, cut=1),
        Code.SHOT_CANCELLED,
        cancelled,
    )
    refused(
        lambda: services.shot_done(broadcast_id=broadcast.pk, shot_id=2, cut=0, lower_third=None),
        Code.SHOT_CANCELLED,
        cancelled,
    )
    assert Broadcast.objects.get(pk=broadcast.pk).programme == programme
    services.shot_done(broadcast_id=broadcast.pk, shot_id=3, cut=0, lower_third=None)
    done = Broadcast.objects.get(pk=broadcast.pk).programme
    assert (done["shot"], done["rev"]) == (None, 8)


def test_stopped_at_close_only_from_running(sitting) -> None:
    broadcast = broadcast_in(sitting, Broadcast.State.FAILED)
    assert transitions.broadcast_stopped_at_close(broadcast) is False
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.FAILED


def test_every_code_has_one_french_message() -> None:
    with translation.override("fr"):
        french = {code: str(MESSAGES[code]) for code in Code}
    with translation.override("en"):
        english = {code: str(MESSAGES[code]) for code in Code}
    assert set(MESSAGES) == set(Code)
    assert [code for code in Code if french[code] == english[code]] == []
    with translation.override("fr"):
        invalid = BroadcastInvalid(Code.UNKNOWN_COMMAND)
    assert (invalid.status, invalid.message) == (400, "Commande inconnue.")


def test_the_jobs_name_the_tasks_the_worker_runs() -> None:
    from streaming import tasks

    assert tasks.run_broadcast.name == jobs.RUN_BROADCAST
    assert tasks.build_replay.name == jobs.BUILD_REPLAY
    assert tasks.transcribe_replay.name == jobs.TRANSCRIBE_REPLAY


def test_the_regie_reads_without_creating_and_says_what_to_do(sitting) -> None:
    client = Client()
    client.force_login(f.staff(sitting.assembly, role="technician"))
    page = client.get(f"/broadcast/sittings/{sitting.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert "Lancer la diffusion" in page.content.decode()
    health = client.get(
        f"/broadcast/sittings/{sitting.pk}/health.json", HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    said = health["programme_state"]
    assert (health["state"], said["kind"]) == ("idle", "idle")
    assert said["lines"] == [
        f"Rien n’est diffusé{N}: «{N}Lancer la diffusion{N}» met la caméra de la salle au"
        f" programme, sous le carton que l’état de la séance appelle{N}; son aperçu"
        " s’affiche ici."
    ]
    assert client.get(f"/broadcast/sittings/{sitting.pk}/health/").status_code == 200
    assert not Broadcast.objects.filter(sitting=sitting).exists()
    client.post(f"/broadcast/sittings/{sitting.pk}/command/", {"action": "auto", "on": "0"})
    assert Broadcast.objects.filter(sitting=sitting).exists()  # the first command stores it
