"""What the direction asks of the programme when the floor is given: a camera move for a
speaker seated in the chamber, only the lower third for a remote one."""

from __future__ import annotations

import pytest

from sessions import services as sittings
from sessions.models import SpeakingRequest
from streaming.models import Broadcast, Camera, CameraPreset
from streaming.programme.state import FeedState, cut_on_air
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)  # the direction follows after the commit


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
    sittings.sitting_open(sitting=sitting, user=None, open_anyway=True, reason="essai")
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


def test_a_live_camera_stands_in_for_a_lost_one_on_air() -> None:
    """The rule the runner applies at every tick (the mixer and its frames are checked in
    test_direction): the wide shot, else the first live camera, never the remote speaker's
    input; back to the camera asked for once its feed is steady again."""
    live, back, lost = FeedState(True, True), FeedState(True, False), FeedState(False, False)
    remote = FeedState(True, True, remote=True)
    assert cut_on_air(1, 1, [live, live]) == 1
    assert cut_on_air(1, 1, [live, lost]) == 0  # the wide shot stands in
    assert cut_on_air(2, 2, [lost, live, lost]) == 1  # no wide shot: the first live one
    assert cut_on_air(1, 1, [lost, lost, remote]) == 1  # nothing live: its own slate
    assert cut_on_air(1, 0, [live, back]) == 0  # just back: not yet
    assert cut_on_air(1, 0, [live, live]) == 1  # steady: cut back
    assert cut_on_air(1, 1, [live, back]) == 1  # on air already: it stays
    assert cut_on_air(2, 1, [live, live, lost]) == 1  # a stand-in on air stays
    assert cut_on_air(5, 0, [live]) == 5  # not an input: left as asked
