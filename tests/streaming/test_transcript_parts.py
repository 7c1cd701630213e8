"""The transcript's parts without the model: the split at a change of floor, the replay's
timeline from its cut list, the captions' text, and the model's pinned hashes."""

from __future__ import annotations

import pytest

from streaming.models import Replay, Transcript, TranscriptSegment
from streaming.transcript.captions import captions_vtt, cue_texts
from streaming.transcript.floor import Segment, Turn, attribute, on_replay, timeline
from streaming.transcript.model import ModelSpec, ModelUnavailable, load_model, model_spec
from tests import factories


def turn(start: float, end: float, speaker: str, item: str = "1. Budget") -> Turn:
    return Turn(start, end, None, speaker, "", None, item)


def test_a_segment_spanning_a_change_of_floor_is_split_at_the_change():
    turns = [turn(0, 5, "Alice"), turn(5, 9, "Bob"), turn(9, 20, "Alice", "2. École")]
    words = [(3.0, 3.5, " Je"), (3.5, 4.6, " conclus."), (4.8, 5.4, " Merci,"),
             (5.4, 6.0, " la"), (6.0, 6.5, " parole"), (8.8, 9.6, " Oui.")]  # fmt: skip
    whole = Segment(3.0, 9.6, "Je conclus. Merci, la parole Oui.", words)
    alone = Segment(12.0, 13.0, "Fin.", [(12.0, 13.0, " Fin.")])

    made = attribute([whole, alone], turns)

    assert [(s.turn.speaker, s.text, s.start, s.end) for s in made] == [
        ("Alice", "Je conclus.", 3.0, 4.6),
        ("Bob", "Merci, la parole", 4.8, 6.5),  # "Merci," is more Bob's (middle at 5.1)
        ("Alice", "Oui.", 8.8, 9.6),
        ("Alice", "Fin.", 12.0, 13.0),
    ]
    assert made[2].turn.item_title == "2. École"
    assert attribute(made, turns) == made  # idempotent


@pytest.mark.django_db
def test_an_old_replay_timeline_comes_from_its_cut_list():
    s = factories.convened(factories.assembly(members=3), items=1)
    opened = s.log.create(at=s.starts_at, kind="opened").at.timestamp()
    replay = Replay.objects.create(
        sitting=s, duration=20.0, cut=[{"kind": "closed_session", "start": 5.0, "end": 11.0}]
    )
    stretches = timeline(replay)
    assert stretches == [(opened, opened + 5.0, 0.0), (opened + 11.0, opened + 26.0, 5.0)]
    assert list(on_replay((opened + 4.0, opened + 12.0), stretches)) == [(4.0, 5.0), (5.0, 6.0)]


@pytest.mark.django_db
def test_captions_are_short_escaped_and_name_each_new_speaker():
    s = factories.convened(factories.assembly(members=3), items=1)
    replay = Replay.objects.create(sitting=s, state=Replay.State.READY, duration=30.0)
    transcript = Transcript.objects.create(replay=replay, replay_sha256="x")
    words = [[i * 0.5, i * 0.5 + 0.4, f" mot{i}"] for i in range(30)]
    TranscriptSegment.objects.create(
        transcript=transcript, start=0, end=15, text="…", words=words, speaker="Ana <b>&"
    )
    TranscriptSegment.objects.create(
        transcript=transcript, start=16, end=17, text="a --> b", speaker="Ana <b>&",
        words=[[16, 17, " a --> b"]],
    )  # fmt: skip
    cues = cue_texts(transcript.segments.first())
    assert len(cues) >= 3 and all(end - start <= 6.5 and len(t) <= 84 for start, end, t in cues)

    vtt = captions_vtt(transcript)

    assert vtt.startswith("WEBVTT\n")
    assert "<b>" not in vtt and "-->" not in vtt.split("\n", 4)[-1].replace(" --> ", "")
    texts = [line for line in vtt.splitlines() if line.startswith("<v ")]
    assert texts[0].startswith("<v Ana &lt;b&gt;&amp;>Ana &lt;b&gt;&amp; : mot0")
    assert " : " not in texts[1] and texts[-1] == "<v Ana &lt;b&gt;&amp;>a --&gt; b</v>"


def test_a_configured_model_is_checked_against_its_pin(settings, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.bin").write_bytes(b"not the model")
    settings.SEANCE_TRANSCRIPT_MODEL = str(tmp_path)
    settings.SEANCE_TRANSCRIPT_MODEL_SHA256 = "0" * 64
    spec = model_spec()
    assert spec.path == tmp_path
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        load_model(spec)
    settings.SEANCE_TRANSCRIPT_MODEL = str(tmp_path / "missing")
    with pytest.raises(ModelUnavailable, match="model.bin"):
        model_spec()


def test_the_bundled_model_is_assembled_from_its_pinned_parts(settings):
    settings.SEANCE_TRANSCRIPT_MODEL = ""
    spec = model_spec()
    assert spec.sha256 and (spec.path / "model.bin").stat().st_size == 145_217_532
    assert isinstance(spec, ModelSpec) and "whisper-base" in spec.name


@pytest.mark.django_db
def test_the_clerk_asks_again_for_a_failed_transcript(
    client, settings, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from streaming.replay import replay_file

    s = factories.convened(factories.assembly(members=3), items=1)
    replay = Replay.objects.create(
        sitting=s, state=Replay.State.READY, duration=5, sha256="ab" * 32
    )
    replay_file(replay).parent.mkdir(parents=True, exist_ok=True)
    replay_file(replay).write_bytes(b"mp4?")
    Transcript.objects.create(
        replay=replay, replay_sha256=replay.sha256, state=Transcript.State.FAILED,
        error="ffmpeg failed (1): no sound",
    )  # fmt: skip
    progress = reverse("replay-transcript-progress", args=[s.pk])
    assert client.get(progress).status_code == 403  # the public does not see the job
    assert client.get(reverse("replay-captions", args=[s.pk])).status_code == 404

    client.force_login(factories.staff(s.assembly))
    page = client.get(progress).content.decode()
    assert "ffmpeg failed (1): no sound" in page and "Transcrire la rediffusion" in page
    with django_capture_on_commit_callbacks() as queued:
        answer = client.post(reverse("replay-transcript-restart", args=[s.pk]))

    assert answer.status_code == 302 and len(queued) == 1
    transcript = Transcript.objects.get(replay=replay)
    assert transcript.state == Transcript.State.PENDING and transcript.error == ""
    page = client.get(progress).content.decode()
    assert "En attente" in page and 'http-equiv="refresh"' in page
