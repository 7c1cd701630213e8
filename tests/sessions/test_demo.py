"""The demo the README's first command loads."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from council.models import Assembly, Room
from sessions.models import Document, Sitting

pytestmark = pytest.mark.django_db


def test_demo_councils_are_loaded_once_and_convened(capsys):
    call_command("seance_demo")
    call_command("seance_demo")  # idempotent
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
    held = Sitting.objects.get(assembly=ville, state="closed")
    assert held.deliberations.count() == 3 and held.publications.filter(kind="list").exists()
    assert held.minutes.state == "on_agenda"
    assert sittings.get(assembly=ville).items.get(position=1).kind == "minutes"
    out = capsys.readouterr().out
    assert "seance-demo" in out and "/chair/sittings/" in out


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
