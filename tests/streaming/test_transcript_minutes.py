"""The minutes' editor's starting point (R28-R29): an item's transcript grouped by
consecutive speaker, with the transcript's state when it is not ready, and the endpoint
that gives it only to those who may edit the minutes. One test on a real transcript
(espeak-ng speech, the bundled Whisper model), the others on segments written directly."""

from __future__ import annotations

import pytest
from django.urls import reverse

from streaming.models import Replay, Transcript, TranscriptSegment
from streaming.replay import build_replay
from streaming.transcript.minutes import item_transcript
from tests import factories

from .chamber_speech import stems_of

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def transcribed(s, state=Transcript.State.READY, **extra):
    replay = Replay.objects.create(
        sitting=s, state=Replay.State.READY, duration=600.0, sha256="ab" * 32
    )
    fields = {"replay_sha256": replay.sha256, "state": state, "duration": 600.0, **extra}
    return Transcript.objects.create(replay=replay, **fields)


def said(transcript, start, end, text, member=None, item=None, speaker=None, role=None):
    return TranscriptSegment.objects.create(
        transcript=transcript, start=start, end=end, text=text, member=member,
        speaker=speaker if speaker is not None else (member.full_name if member else ""),
        role=role if role is not None else (member.capacity if member else ""),
        item=item, item_title=f"{item.position}. {item.title}" if item else "",
    )  # fmt: skip


@pytest.fixture
def two_items():
    a = factories.assembly(members=4)
    s = factories.convened(a, items=2)
    first, second = s.items.order_by("position")
    return s, first, second, factories.chair(a), factories.councillors(a)


def test_an_items_transcript_is_grouped_by_consecutive_speaker(two_items):
    s, first, second, chair, (alice, bob, *_) = two_items
    t = transcribed(s)
    said(t, 0.0, 2.0, "Bonsoir.", chair)  # before any item: in no item's transcript
    said(t, 3.0, 5.0, " Nous passons au budget. ", chair, first)
    said(t, 5.0, 9.0, "Je propose  de voter\nce budget.", alice, first)
    said(t, 9.0, 12.0, "Il est équilibré.", alice, first)
    said(t, 12.5, 13.0, "   ", alice, first)  # nothing recognised: no empty paragraph
    said(t, 13.0, 15.0, "Je ne suis pas d'accord.", bob, first)
    said(t, 15.0, 20.0, "Passons à l'école.", alice, second)
    said(t, 20.0, 24.0, "Un dernier mot sur le budget.", alice, first)  # back to item 1

    budget = item_transcript(sitting=s, item=first)

    assert budget.state == "ready"
    assert [(i.speaker, i.start, i.end, i.text) for i in budget.interventions] == [
        (f"{chair.full_name} (maire)", 3.0, 5.0, "Nous passons au budget."),
        (f"{alice.full_name} (conseiller municipal)", 5.0, 12.0,
         "Je propose de voter ce budget. Il est équilibré."),
        (f"{bob.full_name} (conseiller municipal)", 13.0, 15.0, "Je ne suis pas d'accord."),
        (f"{alice.full_name} (conseiller municipal)", 20.0, 24.0,
         "Un dernier mot sur le budget."),
    ]  # fmt: skip
    assert budget.draft.split("\n\n")[1] == (
        f"{alice.full_name} (conseiller municipal){NBSP}: "
        "Je propose de voter ce budget. Il est équilibré."
    )
    assert budget.message.startswith("4 interventions transcrites, de 0:03 à 0:24.")
    school = item_transcript(sitting=s, item=second)
    assert school.draft == f"{alice.full_name} (conseiller municipal){NBSP}: Passons à l'école."
    assert school.message.startswith("1 intervention transcrite, de 0:15 à 0:20.")


def test_without_a_finished_transcript_the_editor_is_told_why(two_items):
    s, first, second, chair, _ = two_items
    assert item_transcript(sitting=s, item=first).message.startswith(
        f"Cette séance n’a pas encore de transcription{NBSP}:"
    )
    t = transcribed(s, Transcript.State.RUNNING, done=252.0, spent=126.0)
    running = item_transcript(sitting=s, item=first)
    assert (running.state, running.percent, running.draft) == ("running", 42, "")
    assert running.message == (
        f"La transcription n’est pas encore terminée{NBSP}: 42{NBSP}% effectués. "
        "Encore environ 2:54."
    )
    Transcript.objects.filter(pk=t.pk).update(state=Transcript.State.FAILED)
    assert "a échoué" in item_transcript(sitting=s, item=first).message
    Transcript.objects.filter(pk=t.pk).update(state=Transcript.State.READY, replay_sha256="old")
    stale = item_transcript(sitting=s, item=first)  # made from an earlier build: redone
    assert (stale.state, stale.percent, stale.interventions) == ("pending", 0, [])
    Transcript.objects.filter(pk=t.pk).update(replay_sha256="ab" * 32)
    said(t, 1.0, 2.0, "Le premier point.", chair, first)
    silent = item_transcript(sitting=s, item=second)
    assert silent.state == "ready" and silent.interventions == []
    assert silent.message.startswith("Personne n’a parlé sur ce point")


def test_only_those_who_edit_the_minutes_get_an_items_transcript(two_items, client):
    s, first, second, chair, (alice, bob, *_) = two_items
    t = transcribed(s)
    said(t, 3.0, 5.0, "Nous passons au budget.", chair, first)
    s.secretary = bob
    s.save(update_fields=["secretary"])
    url = reverse("minutes-item-transcript", args=[s.pk, first.pk])

    answer = client.get(url)  # the public
    assert answer.status_code == 403
    refused = "Vous n'êtes pas autorisé à effectuer cette action pour cette séance."
    assert answer.json() == {"code": "forbidden", "message": refused}
    client.force_login(alice.user)  # a councillor who is not the secretary
    assert client.get(url).status_code == 403
    elsewhere = factories.assembly(members=2)
    client.force_login(factories.staff(elsewhere))  # another assembly's clerk
    assert client.get(url).status_code == 403

    for allowed in (bob.user, chair.user, factories.staff(s.assembly, "secretary")):
        client.force_login(allowed)
        answer = client.get(url)
        assert answer.status_code == 200, allowed
        assert answer.json()["draft"] == f"{chair.full_name} (maire){NBSP}: Nous passons au budget."
        assert answer.json()["interventions"][0]["clock"] == "0:03"
        assert answer.json()["replay"] == reverse("replay", args=[s.pk])
        assert answer["Cache-Control"] == "private, no-store"

    other = factories.convened(s.assembly, items=1).items.get()
    wrong = client.get(reverse("minutes-item-transcript", args=[s.pk, other.pk]))
    assert wrong.status_code == 404
    assert wrong.json()["message"] == "Ce point n’est pas à l’ordre du jour de cette séance."
    assert client.get(reverse("minutes-item-transcript", args=[999_999, first.pk])).json() == {
        "code": "not_found", "message": "Séance introuvable."
    }  # fmt: skip
    huge = reverse("minutes-item-transcript", args=[s.pk, 10**22])  # past any integer column
    assert client.get(huge).json()["code"] == "invalid_item"
    assert client.post(url).status_code == 405


def test_a_real_transcript_gives_each_item_its_speakers_in_order(
    sitting,  # noqa: F811 - test_transcript's fixture
    client,
    django_capture_on_commit_callbacks,
):
    s, a_member, b_member, chair = sitting
    first, second = s.items.order_by("position")
    with django_capture_on_commit_callbacks(execute=True):
        replay = build_replay(s)  # the transcription runs here (eager)
    assert Transcript.objects.get(replay=replay).state == Transcript.State.READY

    budget = item_transcript(sitting=s, item=first)
    works = item_transcript(sitting=s, item=second)
    print("item 1:", budget.draft, "\nitem 2:", works.draft, sep="\n")

    a_label = f"{a_member.full_name} (conseiller municipal)"
    b_label = f"{b_member.full_name} (conseiller municipal)"
    chair_label = f"{chair.full_name} (maire)"
    assert {i.speaker for i in budget.interventions} <= {a_label, chair_label}
    by_a = " ".join(i.text for i in budget.interventions if i.speaker == a_label)
    assert {"budget", "primit"} <= stems_of(by_a)
    # B then the chair straight after, each one paragraph, in that order
    assert [i.speaker for i in works.interventions] == [b_label, chair_label]
    assert {"travau", "piscin"} <= stems_of(works.interventions[0].text)
    assert "merci" in stems_of(works.interventions[1].text)
    assert works.draft.startswith(f"{b_label}{NBSP}: ")
    assert works.interventions[0].end <= works.interventions[1].start + 0.05
    everything = (budget.draft + works.draft).lower()
    assert "maintenant" not in everything and "personnel" not in everything  # huis clos

    client.force_login(factories.staff(s.assembly))
    answer = client.get(reverse("minutes-item-transcript", args=[s.pk, second.pk])).json()
    assert answer["draft"] == works.draft and answer["state"] == "ready"
    assert answer["message"].startswith("2 interventions transcrites, de ")
