"""Presence without media (issue 14): an absent member who sent `publish` with
`sdp: "v=0"` on the video socket was logged as arrived by video. Presence by video starts
when media actually flows (ICE connected and packets received), for both backends: the
embedded relay and a real Janus. A bogus offer gets an error frame and no arrival; an
offer answered but never followed by media is no arrival; a real publisher (aiortc,
sending sound and pictures) arrives."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from sessions.models import AttendanceEvent, MediaConnection
from tests import factories as f
from tests.security.media_presence_cases import (
    camera_offer,
    connect_media,
    eventually,
    joined,
    until,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def convened_sitting():
    """A convened sitting nobody has arrived at yet (arrivals are logged from now on)."""
    a = f.assembly(members=5, population=1_000)
    s = f.convened(a, notes=False)
    return s, f.councillors(a)


@sync_to_async
def arrivals(sitting) -> list[tuple[int, str, str]]:
    return list(
        AttendanceEvent.objects.filter(sitting=sitting).values_list("member_id", "kind", "mode")
    )


@sync_to_async
def connections(sitting) -> int:
    return MediaConnection.objects.filter(sitting=sitting).count()


async def test_a_bogus_offer_gets_an_error_and_no_arrival(backend) -> None:
    sitting, people = await convened_sitting()
    absent = people[0]
    comm = await joined(sitting, absent)
    for sdp in ("v=0", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"):
        await comm.send_json_to({"action": "publish", "sdp": sdp})
        refused = await until(comm, "answer")
        assert (refused["type"], refused["code"]) == ("error", "invalid_sdp"), refused
    await asyncio.sleep(2)
    assert await arrivals(sitting) == []
    assert await connections(sitting) == 0
    await comm.disconnect()
    assert await arrivals(sitting) == []


async def test_an_answered_offer_without_media_is_no_arrival(backend) -> None:
    """A real offer (as copied from a browser), answered, then nothing: no ICE, no packet."""
    sitting, people = await convened_sitting()
    absent = people[0]
    comm = await joined(sitting, absent)
    pc = await camera_offer()
    await comm.send_json_to({"action": "publish", "sdp": pc.localDescription.sdp})
    answer = await until(comm, "answer")
    assert answer["type"] == "answer", answer
    await pc.close()  # the offer's sender never connects
    await asyncio.sleep(5)
    assert await arrivals(sitting) == []
    await comm.disconnect()
    assert await arrivals(sitting) == [] and await connections(sitting) == 0


async def test_a_publisher_whose_media_flows_arrives(backend) -> None:
    sitting, people = await convened_sitting()
    member = people[0]
    comm = await joined(sitting, member)
    pc = await camera_offer()
    reader = None
    try:
        await comm.send_json_to({"action": "publish", "sdp": pc.localDescription.sdp})
        reader = await connect_media(comm, pc)
        logged = await eventually(lambda: arrivals(sitting))
        assert logged == [(member.id, "arrival", "remote")]
        assert pc.iceConnectionState in ("connected", "completed")
    finally:
        if reader is not None:
            reader.cancel()
        await pc.close()
        await comm.disconnect()
    assert await connections(sitting) == 1  # its loss is recorded: the grace period runs
