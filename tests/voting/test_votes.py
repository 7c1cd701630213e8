"""R15-R22, R27: every kind of vote, with its boundaries."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command

from council.models import Assembly
from sessions import services as sittings
from sessions.models import AgendaItem
from tests import factories as f
from tests.security.tamper import as_insider
from tests.voting.ballots import cast, open_sitting
from voting import services
from voting.errors import BallotRefused, InvalidChoice, VoteRefused
from voting.models import Ballot, SecretBallot, SecretParticipation, Vote
from voting.selectors import vote_summary

pytestmark = pytest.mark.django_db


def test_tie_decided_by_the_chairs_vote():
    s, item, m = open_sitting(members=6)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    for member, choice in zip(
        m, ["for", "for", "for", "against", "against", "against"], strict=True
    ):
        cast(vote, member, choice)
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.result["for"] == vote.result["against"] == 3
    assert vote.adopted is True and vote.result["casting_vote"] is True  # m[0] is the chair


def test_the_same_tie_in_a_secret_ballot_is_not_adopted():
    s, item, m = open_sitting(members=6)
    vote = services.vote_open(
        item=item, kind="secret", user=None, requests={"secret": [x.id for x in m[:2]]}
    )
    for member, choice in zip(
        m, ["for", "for", "for", "against", "against", "against"], strict=True
    ):
        cast(vote, member, choice)
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.adopted is False and vote.result["casting_vote"] is False


def test_abstentions_do_not_count():
    s, item, m = open_sitting(members=7)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    for member, choice in zip(
        m, ["for", "for", "against", "abstain", "abstain", "abstain", "abstain"], strict=True
    ):
        cast(vote, member, choice)
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.adopted is True and vote.result["expressed"] == 3
    assert vote.result["names"]["against"] == [m[2].full_name]


def test_proxy_holder_votes_twice_but_not_once_the_grantor_arrives():
    a = f.assembly(members=7, population=1_000)
    people = list(a.members.order_by("id"))
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    sittings.proxy_grant(grantor=people[6], holder=people[5], sittings=[s], user=None)
    sittings.proxy_grant(grantor=people[4], holder=people[3], sittings=[s], user=None)
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, people[:4] + [people[5]])
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    sittings.item_take_up(sitting=s, item=s.items.first(), user=None)
    vote = services.vote_open(item=s.items.first(), kind="electronic", user=None)
    assert len(vote.eligible) == 7
    cast(vote, people[5], "for")
    receipt = cast(vote, people[5], "against", on_behalf_of=people[6])
    assert receipt.member == people[6].id
    f.arrive(s, [people[4]])  # the grantor arrives: the proxy is no longer in use
    with pytest.raises(BallotRefused) as err:
        cast(vote, people[3], "for", on_behalf_of=people[4])
    assert err.value.code == "grantor_present"
    with pytest.raises(BallotRefused):  # nor may someone else vote in a name not theirs
        cast(vote, people[2], "for", on_behalf_of=people[6])
    ballot = Ballot.objects.get(vote=vote, member=people[6])
    assert ballot.cast_by == people[5] and ballot.choice == "against"


def test_roll_call_needs_a_quarter_of_members_present():
    s, item, m = open_sitting(members=9)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(
            item=item, kind="roll_call", user=None, requests={"roll_call": [m[1].id, m[2].id]}
        )
    assert err.value.code == "roll_call_not_requested"
    vote = services.vote_open(
        item=item, kind="roll_call", user=None, requests={"roll_call": [m[1].id, m[2].id, m[3].id]}
    )
    with pytest.raises(BallotRefused):
        cast(vote, m[1], "for")  # in a roll call the chair records each answer
    for member in m:
        services.answer_record(vote=vote, member=member, choice="for", user=None)
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.result["names"]["for"] == sorted(x.full_name for x in m)


def test_secret_ballot_keeps_no_link_between_member_and_choice():
    s, item, m = open_sitting(members=6)
    with pytest.raises(VoteRefused):
        services.vote_open(item=item, kind="secret", user=None, requests={"secret": [m[1].id]})
    vote = services.vote_open(
        item=item, kind="secret", user=None, requests={"secret": [m[1].id, m[2].id]}
    )
    cast(vote, m[1], "against")
    assert not Ballot.objects.filter(vote=vote).exists()
    assert SecretParticipation.objects.filter(vote=vote, member=m[1]).exists()
    secret = SecretBallot.objects.get(vote=vote)
    columns = {f.name for f in SecretBallot._meta.get_fields()}
    assert columns == {"id", "vote", "choice"} and secret.choice == "against"


def test_an_election_goes_to_a_third_round_won_by_relative_majority_and_the_oldest():
    s, item, m = open_sitting(members=7, kind=AgendaItem.Kind.ELECTION)
    old, young, third = m[4], m[5], m[6]
    old.birthdate = datetime.date(1950, 1, 1)
    young.birthdate = datetime.date(1990, 1, 1)
    old.save()
    young.save()
    vote = services.vote_open(item=item, kind="election", user=None, candidates=[old, young, third])
    for member, choice in zip(m, [old, old, young, young, third, "blank", "blank"], strict=True):
        cast(vote, member, choice if choice == "blank" else str(choice.id))
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.winner is None and vote.result["next_round"] is True
    second = services.election_next_round(vote=vote, user=None)
    for member, choice in zip(m, [old, old, young, young, third, third, "blank"], strict=True):
        cast(second, member, choice if choice == "blank" else str(choice.id))
    second = services.vote_close(vote=second, user=None, confirm=True)
    assert second.winner is None and second.round_no == 2
    third_round = services.election_next_round(vote=second, user=None, candidates=[old, young])
    for member, choice in zip(m, [old, old, old, young, young, young, "blank"], strict=True):
        cast(third_round, member, choice if choice == "blank" else str(choice.id))
    third_round = services.vote_close(vote=third_round, user=None, confirm=True)
    assert third_round.round_no == 3 and third_round.winner == old  # tie: the oldest wins
    assert third_round.result["next_round"] is False


def test_a_ballot_is_stored_once_and_late_ballots_are_refused():
    s, item, m = open_sitting(members=5)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    first = cast(vote, m[1], "for", cid="ballot-abc-123")
    again = cast(vote, m[1], "for", cid="ballot-abc-123")
    assert again.duplicate and again.cast_at == first.cast_at
    with pytest.raises(BallotRefused) as err:
        cast(vote, m[1], "against", cid="ballot-other-1")
    assert err.value.code == "already_voted"
    with pytest.raises(BallotRefused) as err:
        cast(vote, m[2], "for", cid="ballot-abc-123")
    assert err.value.code == "client_id_taken"
    with pytest.raises(InvalidChoice):
        cast(vote, m[2], "maybe")
    services.vote_close(vote=vote, user=None, confirm=True)
    with pytest.raises(BallotRefused) as err:
        cast(vote, m[3], "for")
    assert err.value.code == "vote_closed"
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_no_vote_without_quorum_and_quorum_is_frozen():
    s, item, m = open_sitting(members=7, present=4)
    vote = services.vote_open(item=item, kind="hands", user=None)
    assert vote.quorum["counted"] == 4 and vote.quorum["reached"]
    vote = services.vote_close(vote=vote, user=None, counts={"for": 3, "against": 1}, confirm=True)
    assert vote.adopted
    sittings.attendance_record(sitting=s, member=m[0], kind="departure", user=None)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="hands", user=None)
    assert err.value.code == "quorum_not_reached"
    vote.refresh_from_db()
    assert vote.quorum["counted"] == 4


def test_show_of_hands_counts_are_checked():
    s, item, m = open_sitting(members=5)
    vote = services.vote_open(item=item, kind="hands", user=None)
    with pytest.raises(InvalidChoice):
        services.vote_close(vote=vote, user=None, counts={"for": 5, "against": 1}, confirm=True)
    with pytest.raises(InvalidChoice):
        services.vote_close(vote=vote, user=None, counts={"for": "many"}, confirm=True)
    vote.refresh_from_db()
    assert vote.is_open


def test_compte_administratif_has_its_own_chair_and_the_mayor_withdraws():
    s, item, m = open_sitting(members=6, kind=AgendaItem.Kind.ACCOUNTS)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="electronic", user=None)
    assert err.value.code == "accounts_chair"
    vote = services.vote_open(item=item, kind="electronic", user=None, chair=m[2])
    assert m[0].id not in {v["member"] for v in vote.eligible}
    with pytest.raises(BallotRefused):
        cast(vote, m[0], "for")


def test_interested_member_has_no_voice():
    s, item, m = open_sitting(members=6)
    sittings.interest_declare(item=item, member=m[3], user=None)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    assert m[3].id not in {v["member"] for v in vote.eligible}


def test_teleconference_votes_are_public():
    a = f.assembly(kind=Assembly.Kind.EPCI, members=6, population=270_000, remote_rooms=1)
    clerk = f.staff(a)
    s = f.sitting(
        a, clerk=clerk, items=0, notes=False, remote_rooms=list(a.rooms.filter(kind="remote"))
    )
    budget = sittings.item_add(sitting=s, user=clerk, title="Budget primitif 2027", kind="budget")
    motion = sittings.item_add(sitting=s, user=clerk, title="Tarifs piscine", matter="7.10")
    for i in (budget, motion):
        sittings.document_attach(
            item=i, user=clerk, kind="synthesis", title="Note", upload=f.pdf_upload()
        )
    sittings.convocation_send(sitting=s, user=clerk)
    people = list(a.members.order_by("id"))
    f.arrive(s, people)
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    sittings.item_take_up(sitting=s, item=budget, user=None)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=budget, kind="electronic", user=None)
    assert err.value.code == "teleconference_forbidden"
    sittings.item_take_up(sitting=s, item=motion, user=None)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(
            item=motion,
            kind="electronic",
            user=None,
            requests={"secret": [p.id for p in people[:2]]},
        )
    assert err.value.code == "teleconference_secret"
    services.vote_open(item=motion, kind="electronic", user=None)


def test_an_adopted_secret_request_postpones_the_item_in_a_teleconference():
    a = f.assembly(kind=Assembly.Kind.EPCI, members=6, population=270_000, remote_rooms=1)
    clerk = f.staff(a)
    room = a.rooms.get(kind="remote")
    s = f.sitting(a, clerk=clerk, items=2, remote_rooms=[room])
    sittings.convocation_send(sitting=s, user=clerk)
    people = list(a.members.order_by("id"))
    f.arrive(s, people[:3])
    f.arrive(s, people[3:], mode="remote_room", room=room)
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    first, second = s.items.all()
    sittings.item_take_up(sitting=s, item=first, user=None)
    assert services.secret_request_record(item=first, requested_by=people[:1], user=None) is False
    assert services.secret_request_record(item=first, requested_by=people[:2], user=None) is True
    first.refresh_from_db()
    assert first.state == "postponed"
    with pytest.raises(VoteRefused):
        services.vote_open(item=first, kind="electronic", user=None)


def test_verify_votes_names_a_ballot_edited_in_the_database(capsys):
    s, item, m = open_sitting(members=5)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    for member in m:
        cast(vote, member, "for")
    services.vote_close(vote=vote, user=None, confirm=True)
    call_command("verify_votes")
    assert "intact: 7 records" in capsys.readouterr().out
    ballot = Ballot.objects.get(vote=vote, member=m[2])
    Ballot.objects.filter(pk=ballot.pk).update(choice="against")
    with pytest.raises(CommandError) as err:
        call_command("verify_votes")
    assert f"ballot {ballot.pk} differs" in str(err.value)
    Ballot.objects.filter(pk=ballot.pk).update(choice="for")
    record = vote.records.filter(kind="closed").get()
    with as_insider():  # PostgreSQL refuses an UPDATE of the log unless its trigger is off
        type(record).objects.filter(pk=record.pk).update(payload={"result": {"for": 0}})
    with pytest.raises(CommandError) as err:
        call_command("verify_votes")
    assert f"record #{record.pk}" in str(err.value)


def test_only_one_vote_at_a_time_and_only_on_the_current_item():
    s, item, m = open_sitting(members=5)
    services.vote_open(item=item, kind="hands", user=None)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="hands", user=None)
    assert err.value.code == "vote_already_open"
    assert Vote.objects.filter(sitting=s).count() == 1


def test_the_pages_offer_the_choices_the_ballot_box_accepts():
    """The regime's choices, in the snapshot's vote part, are all the server accepts."""
    s, item, m = open_sitting(members=7)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    offered = vote_summary(s, public=False)["choices"]
    assert [c["value"] for c in offered] == ["for", "against", "abstain"]
    assert [c["label"] for c in offered] == ["Pour", "Contre", "Abstention"]
    with pytest.raises(InvalidChoice):
        cast(vote, m[0], "blank")  # offered in a secret ballot only
    cast(vote, m[0], offered[1]["value"])
    assert "choices" not in vote_summary(s, public=True)
