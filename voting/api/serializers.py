"""The inputs and outputs of the vote's API (voting.api): each endpoint's body is a
StrictSerializer (an unknown field is a 400 naming it), its ids read by council.parsing."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from council.api import CountField, IdField, IdListField, StrictSerializer
from council.regime import MOTION_CHOICES

from ..models import Choice, Vote

# --- Inputs ---------------------------------------------------------------------------------


class VoteIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=Vote.Kind.choices)
    question = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    roll_call = IdListField(required=False)
    secret = IdListField(required=False)
    # R19 / R20: an election's candidates; the vote's chair (R21; refused for R20's
    # elections unless it is the oldest member present).
    candidates = IdListField(required=False)
    chair = IdField(required=False, allow_null=True)


class HandsIn(StrictSerializer):
    for_ = CountField(required=False)
    against = CountField(required=False)
    abstain = CountField(required=False)
    # R16: the chair's own hand, one of the counts; on a tie of a public vote it decides.
    chair_choice = serializers.ChoiceField(choices=MOTION_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "for" is a Python keyword: declared as for_, bound anew as "for" (the copy keeps
        # for_ as its source, and the votes for would be dropped).
        self.fields.pop("for_")
        self.fields["for"] = CountField(required=False)


class CountsIn(StrictSerializer):
    counts = HandsIn(required=False)
    # The second click: close although voices are missing (code vote_close_unconfirmed).
    confirm = serializers.BooleanField(required=False, default=False)


class UrgencyIn(StrictSerializer):
    accepted = serializers.BooleanField()


class InterestIn(StrictSerializer):
    item = IdField()
    member = IdField(required=False)
    declared = serializers.BooleanField(required=False, default=True)


class RequestersIn(StrictSerializer):
    requested_by = IdListField()


class WaiverIn(StrictSerializer):
    # R18: the members present who object; none for a unanimous waiver.
    objectors = IdListField(required=False)


class AnswerIn(StrictSerializer):
    member = IdField()
    choice = serializers.ChoiceField(choices=[c for c, _label in Choice.choices])


class NextRoundIn(StrictSerializer):
    candidates = IdListField(required=False)


class BallotIn(StrictSerializer):
    choice = serializers.CharField(max_length=20)
    client_id = serializers.CharField(max_length=64)
    on_behalf_of = IdField(required=False, allow_null=True)


# --- Outputs --------------------------------------------------------------------------------


class VoteOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    voices = serializers.IntegerField()


class RoundOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    voices = serializers.IntegerField()
    chair = serializers.IntegerField()
    candidates = serializers.ListField(child=serializers.IntegerField())


class ResultOut(serializers.Serializer[Any]):
    """A closed vote's result: a motion adds for, against, abstain, adopted, casting_vote
    (R16: whether the chair's vote decided a tie), and in a public vote the chair's name,
    their own vote and the names by choice; an election adds its round, tallies and
    winner."""

    blank = serializers.IntegerField()
    expressed = serializers.IntegerField()
    cast = serializers.IntegerField()
    voices = serializers.IntegerField()
    adopted = serializers.BooleanField(required=False)
    casting_vote = serializers.BooleanField(required=False)
    chair = serializers.CharField(required=False)
    chair_vote = serializers.CharField(required=False, allow_null=True)


class UrgencyOut(serializers.Serializer[Any]):
    accepted = serializers.BooleanField()
    postponed = serializers.ListField(child=serializers.IntegerField())


class InterestOut(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    member = serializers.IntegerField()
    declared = serializers.BooleanField()
    interests = serializers.ListField(child=serializers.IntegerField())


class SecretRequestOut(serializers.Serializer[Any]):
    requested_by = serializers.ListField(child=serializers.IntegerField())
    postponed = serializers.BooleanField()


class WaiverOut(serializers.Serializer[Any]):
    waived = serializers.BooleanField()
    present = serializers.ListField(child=serializers.DictField())
    objections = serializers.ListField(child=serializers.DictField())


class AnswerOut(serializers.Serializer[Any]):
    vote = serializers.IntegerField()
    member = serializers.IntegerField()
    choice = serializers.CharField()
    answered = serializers.IntegerField()
    voices = serializers.IntegerField()


class ReceiptOut(serializers.Serializer[Any]):
    vote = serializers.IntegerField()
    member = serializers.IntegerField()
    client_id = serializers.CharField()
    cast_at = serializers.DateTimeField()
    duplicate = serializers.BooleanField()
