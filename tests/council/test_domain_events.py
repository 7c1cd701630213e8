"""The domain events (council.domain_events): typed, heard only after the commit, never
after a rollback; a failing subscriber does not silence the others; the pages' event
names are the events' own."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import pytest
from django.db import transaction

from council import domain_events as de
from sessions import services
from sessions.live.fanout import WITH_SNAPSHOTS
from sessions.realtime import desk_group, public_group
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def heard():
    got: list[de.DomainEvent] = []
    de.subscribe(de.HandRaised, got.append)
    yield got
    de.unsubscribe(de.HandRaised, got.append)


@pytest.mark.django_db(transaction=True)
def test_an_event_is_heard_after_the_commit_and_never_after_a_rollback(heard, events):
    a = f.assembly(members=5, population=1_000)
    s = f.opened(a)
    member = a.members.order_by("id").first()
    events.listen(desk_group(s.id), public_group(s.id))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.hand_raise(sitting=s, member=member)
        raise RuntimeError("the transaction rolls back")
    assert heard == [] and events.drain() == []  # no subscriber, the live fan-out neither
    with transaction.atomic():
        services.hand_raise(sitting=s, member=member)
        assert heard == []  # not before the commit
    assert heard == [de.HandRaised(s.id, member=member.id)]
    assert [e["type"] for e in events.drain()] == ["sittings.hand_raised"] * 2


@pytest.mark.django_db
def test_an_event_in_a_savepoint_rolled_back_is_dropped(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            de.publish(de.HandRaised(1, member=2))
            raise RuntimeError
        de.publish(de.HandRaised(1, member=3))
    assert len(callbacks) == 1 and heard == [de.HandRaised(1, member=3)]


def test_a_failing_subscriber_is_logged_and_the_others_still_run(heard, caplog):
    def broken(event: de.HandRaised) -> None:
        raise ValueError("boom")

    de.subscribe(de.HandRaised, broken)
    de._handlers[de.HandRaised].insert(0, de._handlers[de.HandRaised].pop())  # broken first
    try:
        with caplog.at_level(logging.ERROR, logger="council.domain_events"):
            de.dispatch(de.HandRaised(1, member=2))
    finally:
        de.unsubscribe(de.HandRaised, broken)
    assert heard == [de.HandRaised(1, member=2)]
    assert "sittings.hand_raised: handler" in caplog.text and "boom" in caplog.text


def test_events_are_typed_and_unknown_names_fail_loudly():
    with pytest.raises(TypeError):
        de.publish("sittings.floor_given")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        de.publish(de.DomainEvent(1))
    with pytest.raises(TypeError):
        de.FloorGiven(1, member=2)  # type: ignore[call-arg]  # its name is missing
    with pytest.raises(TypeError):
        de.FloorGiven(1, member=2, name="x", speaker=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        de.subscribe("sittings.floor_given", print)  # type: ignore[type-var]
    with pytest.raises(KeyError):
        de.event_class("sittings.florr_given")
    assert de.event_class("sittings.floor_given") is de.FloorGiven
    with pytest.raises(dataclasses.FrozenInstanceError):
        de.FloorGiven(1, member=2, name="x").member = 3  # type: ignore[misc]
    with pytest.raises(TypeError):  # two events cannot share a name

        @dataclasses.dataclass(frozen=True)
        class Another(de.DomainEvent):
            wire = "sittings.floor_given"


def test_the_data_the_pages_get():
    assert de.FloorGiven(1, member=2, name="Lea").data() == {"member": 2, "name": "Lea"}
    assert de.FloorEnded(1, member=2, seconds=None).data() == {"member": 2, "seconds": None}
    arrival = de.AttendanceChanged(1, kind="arrival", mode="chamber", member=4)
    assert arrival.data() == {"kind": "arrival", "mode": "chamber", "member": 4}
    assert de.SittingOpened(1).data() == {}


def test_every_event_reaches_the_live_pages():
    every = set(de._BY_WIRE.values())
    assert set(WITH_SNAPSHOTS) | {de.BallotCast} == every
    assert all(issubclass(c, de.DomainEvent) and c.wire in de.wire_names() for c in every)


def test_the_pages_listen_only_to_events_that_exist():
    """A renamed event cannot leave a page listening to a name nobody sends."""
    others = {"sittings.snapshot", "sittings.screen_revoked", "voting.my_ballots"}  # frames
    pattern = re.compile(r"[\"'`]((?:sittings|voting)\.[a-z_]+)[\"'`]")
    found = {
        name
        for path in [*ROOT.glob("static/js/**/*.js"), *ROOT.glob("templates/**/*.html")]
        if "vendor" not in path.parts
        for name in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert found and found <= de.wire_names() | others


@pytest.mark.django_db(transaction=True)
def test_a_recorder_runs_in_the_publishing_transaction_and_its_failure_rolls_it_back(heard):
    a = f.assembly(members=5, population=1_000)
    s = f.opened(a)
    member = a.members.order_by("id").first()
    seen_inside: list[bool] = []

    def record(event: de.HandRaised) -> None:
        seen_inside.append(transaction.get_connection().in_atomic_block)
        raise RuntimeError("the record could not be written")

    de.record_with(de.HandRaised, record)
    try:
        with pytest.raises(RuntimeError):
            services.hand_raise(sitting=s, member=member)
    finally:
        de._recorders[de.HandRaised].remove(record)
    assert seen_inside == [True]  # inside the service's transaction, not after it
    assert heard == []  # the change rolled back: nothing to hear
    assert not s.speaking_requests.exists()


def test_a_recorder_is_given_an_event_class():
    with pytest.raises(TypeError):
        de.record_with(de.DomainEvent, print)
