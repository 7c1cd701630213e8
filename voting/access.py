"""The access helper of a vote, and the one lookup of a vote an input names, for the vote's
API and its websocket actions alike (sessions.access has the sitting's rules)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from council.errors import InvalidInput, NotFound
from council.parsing import parse_id
from sessions.access import Role, access_sitting
from sessions.models import Sitting
from voting.errors import VotingErrorCode

from .models import Vote


def access_vote(user: Any, vote_id: Any, role: Role = Role.PUBLIC) -> Vote:
    """The vote, with its sitting, if `user` may act on its sitting as `role`; NotFound
    for a malformed id or one that names no vote, Forbidden otherwise (access_sitting)."""
    try:
        pk = parse_id(vote_id, field="vote", strings=True)
    except InvalidInput:
        raise NotFound(_("No such vote.")) from None
    vote = Vote.objects.filter(pk=pk).first()
    if vote is None:
        raise NotFound(_("No such vote."))
    vote.sitting = access_sitting(user, vote.sitting_id, role)
    return vote


def vote_in(sitting: Sitting, value: object, *, field: str = "vote") -> Vote:
    """The vote of `sitting` a message names (a JSON integer); another sitting's is unknown."""
    vote = Vote.objects.filter(sitting=sitting, pk=parse_id(value, field=field)).first()
    if vote is None:
        raise InvalidInput(_("No such vote in this sitting."), code=VotingErrorCode.UNKNOWN_VOTE)
    return vote
