"""The answer of GET /api/sittings/<id>/: a sitting as its public page shows it, and for a
member, the chair and the staff as their desk does (sessions.live.snapshots)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class SnapshotSittingOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    in_closed_session = serializers.BooleanField()
    starts_at = serializers.DateTimeField()


class SnapshotItemOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    rapporteur = serializers.CharField(allow_null=True)
    interests = serializers.ListField(child=serializers.IntegerField(), required=False)


class AttendanceCountsOut(serializers.Serializer[Any]):
    in_office = serializers.IntegerField()
    present = serializers.IntegerField()
    represented = serializers.IntegerField()
    absent = serializers.IntegerField()


class PublicQuorumOut(serializers.Serializer[Any]):
    """The public sees whether the quorum is reached and why; members see it all."""

    reached = serializers.BooleanField()
    explanation = serializers.CharField(allow_blank=True)
    in_office = serializers.IntegerField(required=False)
    present = serializers.IntegerField(required=False)
    counted = serializers.IntegerField(required=False)
    needed = serializers.IntegerField(required=False)
    exempt = serializers.BooleanField(required=False)
    excluded = serializers.ListField(child=serializers.CharField(), required=False)


class NameOut(serializers.Serializer[Any]):
    name = serializers.CharField()


class CandidateOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VoteSummaryOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    item = serializers.IntegerField(allow_null=True)  # none for the vote on the huis clos
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    purpose = serializers.CharField()  # "deliberation" or "closed_session" (R25)
    state = serializers.CharField()
    question = serializers.CharField(allow_blank=True)
    round = serializers.IntegerField()
    voices = serializers.IntegerField()
    cast = serializers.IntegerField()
    secret = serializers.BooleanField()
    candidates = CandidateOut(many=True)
    result = serializers.JSONField(allow_null=True)
    eligible = serializers.JSONField(required=False)
    voted = serializers.ListField(child=serializers.IntegerField(), required=False)


class SnapshotOut(serializers.Serializer[Any]):
    """A sitting as its public page shows it; a member, the chair and the staff also get
    the roll, the proxies, the speaking queue, the secretary, the chair and the urgency."""

    sitting = SnapshotSittingOut()
    current_item = SnapshotItemOut(allow_null=True)
    items = SnapshotItemOut(many=True)
    attendance = AttendanceCountsOut()
    quorum = PublicQuorumOut()
    speaker = NameOut(allow_null=True)
    vote = VoteSummaryOut(allow_null=True)
    server_time = serializers.DateTimeField()
    members = serializers.JSONField(required=False)
    proxies = serializers.JSONField(required=False)
    queue = serializers.JSONField(required=False)
    secretary = serializers.CharField(allow_null=True, required=False)
    chair = serializers.CharField(allow_null=True, required=False)
    urgency = serializers.JSONField(required=False)
