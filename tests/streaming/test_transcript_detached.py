"""With eager tasks (the embedded set-up, the demo), a closed sitting's replay is built
where it is scheduled, but its transcription runs in a thread of its own: the broadcast
runner (or the chair's close) that schedules it does not wait for the sound to be heard."""

from __future__ import annotations

import threading

import pytest

from streaming.models import Replay, Transcript
from streaming.services import replay_schedule

from .chamber_speech import closed_sitting, record_chamber

pytestmark = pytest.mark.django_db(transaction=True)  # the thread reads what is committed


def test_the_transcription_does_not_hold_the_one_who_schedules_the_replay(settings, tmp_path):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    (tmp_path / "speech").mkdir()
    s, _a, b_member, _chair = closed_sitting(*record_chamber(tmp_path / "speech"))

    replay_schedule(s.pk)  # as the runner does after its closing slate (no transaction)
    replay = Replay.objects.get(sitting=s)
    assert replay.state == Replay.State.READY, replay.error  # built here
    transcript = Transcript.objects.get(replay=replay)
    job = [t for t in threading.enumerate() if t.name == f"transcript-{transcript.pk}"]
    assert job and job[0] is not threading.current_thread()
    assert transcript.state != Transcript.State.READY  # not waited for

    job[0].join(240)
    transcript.refresh_from_db()
    assert transcript.state == Transcript.State.READY, transcript.error
    assert b_member.full_name in {seg.speaker for seg in transcript.segments.all()}
