"""The demo the README's first command loads."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from council.models import Assembly, Room
from sessions.models import Document, Sitting, SpeakingRequest
from streaming.models import Replay

pytestmark = pytest.mark.django_db


@pytest.mark.timeout(600)  # the demo's transcription, on a loaded 2-core machine
def test_demo_councils_are_loaded_once_and_convened(capsys, settings, tmp_path, client):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    call_command("seance_demo")
    held = Sitting.objects.get(assembly__slug="ingeville", state="closed")
    replay = Replay.objects.get(sitting=held)
    made = (replay.sha256, replay.made_at, replay.transcription.finished_at)
    call_command("seance_demo")  # idempotent: nor the replay nor its transcript made again
    replay.refresh_from_db()
    assert (replay.sha256, replay.made_at, replay.transcription.finished_at) == made
    ville = Assembly.objects.get(slug="ingeville")
    agglo = Assembly.objects.get(slug="ingeco")
    assert (ville.population, ville.members.count()) == (110_000, 59)
    assert (agglo.kind, agglo.population, agglo.members.count()) == ("epci", 270_000, 80)
    assert agglo.rooms.filter(kind=Room.Kind.REMOTE).count() == 3
    sittings = Sitting.objects.filter(state="convened")
    assert sittings.count() == 2
    for sitting in sittings:
        assert sitting.items.count() >= 6 and sitting.convocation.recipients.exists()
    assert Document.objects.filter(kind="synthesis").count() >= 10
    assert sittings.get(assembly=agglo).is_teleconference
    assert Sitting.objects.get(assembly=ville, state="closed") == held
    assert held.deliberations.count() == 3 and held.publications.filter(kind="list").exists()
    assert held.minutes.state == "on_agenda"
    assert sittings.get(assembly=ville).items.get(position=1).kind == "minutes"
    out = capsys.readouterr().out
    assert "seance-demo" in out and "/chair/sittings/" in out
    assert f"/archive/sittings/{held.pk}/replay/" in out
    replay_captioned_with_names_and_items(held, client)


def replay_captioned_with_names_and_items(held: Sitting, client) -> None:
    """R34: the demo's morning sitting, held on the times of its speech, has its replay
    (picture and sound), a finished transcript whose segments carry who had the floor and
    the item, and the captions on the replay page."""
    replay = Replay.objects.get(sitting=held)
    assert replay.state == "ready" and replay.duration > 60 and replay.size > 100_000
    assert [c["title"][:2] for c in replay.chapters] == ["1.", "2.", "3.", "4."]
    transcript = replay.transcription
    assert transcript.state == "ready", transcript.error
    segments = list(transcript.segments.order_by("start"))
    mayor = held.assembly.members.get(user__username="maire")
    rapporteur, councillor = (
        held.assembly.members.get(user__username=u) for u in ("conseiller02", "conseiller11")
    )
    speakers = {s.speaker for s in segments}
    assert speakers == {mayor.full_name, rapporteur.full_name, councillor.full_name}
    first, second = held.items.order_by("position")[:2]
    # Every segment inside a floor given is that councillor's, on that floor's item.
    for request in SpeakingRequest.objects.filter(sitting=held):
        start = request.started_at.timestamp() - held.starts_at.timestamp()
        end = request.ended_at.timestamp() - held.starts_at.timestamp()
        inside = [s for s in segments if start + 0.5 <= (s.start + s.end) / 2 <= end - 0.5]
        assert inside and {(s.member_id, s.item_id) for s in inside} == {
            (request.member_id, request.item_id)
        }
    said = " ".join(s.text for s in segments if s.item_id == first.pk).lower()
    assert "budget" in said and "supplémentaire" in said
    assert {s.item_id for s in segments} >= {first.pk, second.pk}
    assert all(s.item_title.startswith(("1. ", "2. ", "3. ", "4. ")) for s in segments)

    archive = client.get(reverse("archive-sitting", args=[held.pk])).content.decode()
    assert f'href="{reverse("replay", args=[held.pk])}"' in archive  # a citizen finds it
    found = client.get(reverse("archive-search"), {"q": "supplémentaire"}).content.decode()
    spoken = [b for b in found.split('data-testid="search-hit"')[1:] if 'data-kind="spoken"' in b]
    assert any(f"/archive/sittings/{held.pk}/replay/#t=" in b for b in spoken)  # what was said
    vtt = client.get(reverse("replay-captions", args=[held.pk])).content.decode()
    assert f"<v {rapporteur.full_name}>" in vtt and f"<v {councillor.full_name}>" in vtt
    page = client.get(reverse("replay", args=[held.pk])).content.decode()
    assert 'kind="captions"' in page and rapporteur.full_name in page
    assert "Accessibilité de cette rediffusion" in page
    assert "mailto:mairie@ingeville.example.fr" in page and "environ 31\u00a0%" in page


def settings_under(env: dict[str, str], tmp_path) -> dict[str, str]:
    """council/settings.py as a process started with `env` reads it (bin/demo exports PORT)."""
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.mail import EmailMessage\n"
        "from sessions.mail import acknowledgement_url\n"
        "from sessions.models import ConvocationRecipient\n"
        "print(json.dumps({'url': settings.SEANCE_PUBLIC_URL,"
        " 'link': acknowledgement_url(ConvocationRecipient(token='t0k3n')),"
        " 'sender': EmailMessage('s', 'b', to=['a@b.fr']).message()['From'],"
        " 'server': settings.SERVER_EMAIL}))\n"
    )
    keep = {k: v for k, v in os.environ.items() if k not in ("PORT", "SEANCE_PUBLIC_URL")}
    keep.pop("DEFAULT_FROM_EMAIL", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parents[2],
        env={**keep, "SEANCE_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_e_mails_links_and_sender_follow_port(tmp_path):
    seen = settings_under({"PORT": "8123"}, tmp_path)
    assert seen["url"] == "http://127.0.0.1:8123"
    assert seen["link"].startswith("http://127.0.0.1:8123/") and seen["link"].endswith("t0k3n/")
    assert seen["sender"] == seen["server"] == "seance@localhost"  # never a host:port
    assert settings_under({}, tmp_path)["url"] == "http://127.0.0.1:8000"


def test_a_public_url_names_the_sender_without_its_port(tmp_path):
    seen = settings_under(
        {"PORT": "8123", "SEANCE_PUBLIC_URL": "https://seance.ingeville.fr:8443"}, tmp_path
    )
    assert seen["link"].startswith("https://seance.ingeville.fr:8443/")
    assert seen["sender"] == "seance@seance.ingeville.fr"


def test_the_demos_printed_links_are_the_public_url(capsys, settings):
    settings.SEANCE_PUBLIC_URL = "http://127.0.0.1:8123"
    call_command("seance_demo")
    out = capsys.readouterr().out
    assert "Séance demo — http://127.0.0.1:8123 —" in out
    assert "http://127.0.0.1:8123/chair/sittings/" in out and ":8000" not in out
