"""What the direction asks of the programme when the floor is given: a camera move for a
speaker seated in the chamber, only the lower third for a remote one."""

from __future__ import annotations

import pytest

from sessions import services as sittings
from sessions.models import SpeakingRequest
from streaming.models import Broadcast, Camera, CameraPreset
from tests import factories as f

pytestmark = pytest.mark.django_db


def give_floor(sitting, member) -> dict:
    sittings.hand_raise(sitting=sitting, member=member)
    request = SpeakingRequest.objects.get(member=member, state="waiting")
    sittings.floor_give(sitting=sitting, request_id=request.pk, user=None)
    return Broadcast.objects.get(sitting=sitting).programme


def test_the_camera_moves_only_for_a_speaker_in_the_chamber() -> None:
    assembly = f.assembly(members=7, population=1_000)
    sitting = f.convened(assembly, items=1, notes=False)
    people = list(assembly.members.order_by("id"))
    seated, remote = people[2], people[3]
    f.arrive(sitting, [p for p in people if p != remote])
    f.arrive(sitting, [remote], mode="remote")
    sittings.secretary_name(sitting=sitting, member=people[1], user=None)
    sittings.sitting_open(sitting=sitting, user=None)
    camera = Camera.objects.create(
        room=sitting.place,
        name="Rang A",
        protocol="visca",
        control_address="127.0.0.1:1",
        feed_url="udp://127.0.0.1:2",
    )
    for member, seat in ((seated, "12"), (remote, "13")):
        member.seat = seat
        member.save()
        CameraPreset.objects.create(camera=camera, slot=int(seat), label=f"Place {seat}", seat=seat)
    Broadcast.objects.create(sitting=sitting, state=Broadcast.State.LIVE, programme={"cut": 0})

    programme = give_floor(sitting, seated)
    assert programme["shot"]["camera"] == 0 and programme["shot"]["slot"] == 12
    assert programme["shot"]["lower_third"]["name"] == seated.full_name
    sittings.floor_end(sitting=sitting, user=None)

    programme = give_floor(sitting, remote)
    assert programme["shot"] is None
    assert programme["lower_third"]["name"] == remote.full_name
