"""The sittings app's models, one module per concept: the sitting and its journal, the
agenda, the convocation and its deliveries, attendance, proxies, the speaking queue, the
room's screens, the minutes and published acts, the prefecture's transmissions, and the
archive's search index. Every model of the app is imported here (Django finds an app's
models in its `models` module), and every other module imports them from here."""

from __future__ import annotations

from . import actes
from .agenda import AgendaItem, Document, Interest, ItemProposal
from .attendance import AttendanceEvent, MediaConnection, PolicingMeasure
from .convocation import (
    Convocation,
    ConvocationRecipient,
    CouncillorCopy,
    EmailDelivery,
    _token,
)
from .minutes import DebateSummary, Deliberation, Minutes, Publication
from .prefecture import PrefectureLink, Transmission
from .proxies import Proxy, ProxyCover
from .screens import ScreenToken
from .search import SearchEntry
from .sitting import AppendOnly, Sitting, SittingLog
from .speaking import SpeakingRequest

__all__ = [
    "AgendaItem",
    "AppendOnly",
    "AttendanceEvent",
    "Convocation",
    "ConvocationRecipient",
    "CouncillorCopy",
    "DebateSummary",
    "Deliberation",
    "Document",
    "EmailDelivery",
    "Interest",
    "ItemProposal",
    "MediaConnection",
    "Minutes",
    "PolicingMeasure",
    "PrefectureLink",
    "Proxy",
    "ProxyCover",
    "Publication",
    "ScreenToken",
    "SearchEntry",
    "Sitting",
    "SittingLog",
    "SpeakingRequest",
    "Transmission",
    "_token",  # migrations 0001 and 0011 name sessions.models._token
    "actes",
]
