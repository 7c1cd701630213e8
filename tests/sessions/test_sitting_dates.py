"""R2: a sitting opens on the day and at the hour of its convocation, or on the chair's
explicit confirmation with a reason, which is logged; the minutes and the archive then
say the day it was held, the archive the convened day too."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from council.regime import CGCT_2026, PARIS
from sessions import services
from sessions.errors import InvalidInput, TransitionRefused
from sessions.minutes.draft import minutes_draft, numbered
from sessions.models import Sitting, SittingLog
from tests import factories as f

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _ready(days: int = 10) -> tuple[Sitting, list]:
    a = f.assembly(members=5, population=1_000)
    people = list(a.members.order_by("id"))
    s = f.convened(a, days=days, notes=False)
    f.arrive(s, people)
    services.secretary_name(sitting=s, member=people[1], user=None)
    return s, people


@translation.override("fr")
def test_opening_before_the_convened_day_is_refused_naming_the_day():
    s, _ = _ready()
    with pytest.raises(TransitionRefused) as err:
        services.sitting_open(sitting=s, user=None)
    assert err.value.code == "opening_before_convened"
    day = s.starts_at.astimezone(PARIS)
    assert f"{day.day} " in err.value.message and str(day.year) in err.value.message
    assert err.value.message.startswith("La séance est convoquée pour le ")
    assert "quand même" in err.value.message
    with pytest.raises(InvalidInput) as missing:
        services.sitting_open(sitting=s, user=None, open_anyway=True, reason="  ")
    assert missing.value.code == "opening_reason_missing"
    s.refresh_from_db()
    assert s.state == Sitting.State.CONVENED


def test_opening_anyway_is_logged_and_the_minutes_and_archive_agree(client):
    s, _ = _ready()
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="Salle libérée")
    s.refresh_from_db()
    entry = SittingLog.objects.get(sitting=s, kind="opened_outside_convened_time")
    assert entry.data["reason"] == "Salle libérée" and entry.data["early"] is True
    draft = minutes_draft(s)
    held = timezone.localtime(s.opened_at)
    assert str(held.day) in draft["date"] and draft["convened_date"]
    from django.urls import reverse

    page = client.get(reverse("archive-sitting", args=[s.id])).content.decode()
    assert "convoquée pour le" in page
    assert f"{held.day} " in page


def test_opening_on_the_day_needs_no_confirmation_and_long_after_is_refused():
    a = f.assembly(members=5, population=1_000)
    people = list(a.members.order_by("id"))
    clerk = f.staff(a)
    for hours, refused in ((3, False), (8, True)):
        s = services.sitting_create(
            assembly=a,
            title=f"Séance {hours}",
            starts_at=timezone.now() - datetime.timedelta(hours=hours),
            user=clerk,
        )
        Sitting.objects.filter(pk=s.pk).update(state=Sitting.State.CONVENED)
        f.arrive(s, people)
        services.secretary_name(sitting=s, member=people[1], user=None)
        if refused:
            with pytest.raises(TransitionRefused) as err:
                services.sitting_open(sitting=s, user=None)
            assert err.value.code == "opening_after_convened"
        else:
            assert services.sitting_open(sitting=s, user=None).state == Sitting.State.OPEN
            assert minutes_draft(s)["convened_date"] == ""


def test_the_opening_window_is_a_regime_rule():
    start = datetime.datetime(2026, 12, 7, 18, 0, tzinfo=PARIS)
    earliest, latest = CGCT_2026.opening_window(start)
    assert earliest == start - datetime.timedelta(minutes=30)
    assert latest == start + datetime.timedelta(hours=6)
    morning = datetime.datetime(2026, 12, 7, 0, 10, tzinfo=PARIS)
    assert CGCT_2026.opening_window(morning)[0].date() == morning.date()


def test_items_are_numbered_once():
    assert numbered(1, "1. Décision modificative") == "1. Décision modificative"
    assert numbered(2, "Budget") == "2. Budget"
    assert numbered(3, "1. Décision") == "3. 1. Décision"
