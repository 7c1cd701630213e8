"""The REST API of the vote, over the same services as the chair's desk (voting/actions.py,
sessions/consumers.py) and with its permissions: the chair of the sitting or its clerk,
and for a declared interest also the member concerned, as on their seat.

Thin views, as in sessions/api_views.py: a StrictSerializer checks the input's shape (an
unknown field is a 400 naming it), `access_sitting` / `access_vote` check who asks, every
id is read against the sitting's assembly (council.parsing, sessions.inputs), a service
does the work and a refusal is a DomainError turned into a 4xx with a French message
(council.api.exception_handler). Each endpoint's schema gives its answers, its errors and
examples (the documentation page /api/docs/ shows them). The endpoints, by concept:
`votes` (open, ballots, answers, close, next round) and `requests` (secret ballot asked or
waived, urgency, interests).
"""

from .requests import Interests, SecretRequest, SecretWaiver, Urgency
from .votes import Answers, Ballots, NextRound, VoteClose, Votes

__all__ = [
    "Answers",
    "Ballots",
    "Interests",
    "NextRound",
    "SecretRequest",
    "SecretWaiver",
    "Urgency",
    "VoteClose",
    "Votes",
]
