"""The demo the README's first command loads."""

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
