"""Moved to sessions.models (sessions/models/minutes.py): the minutes' models are of the core
layer. Kept only until every importer names sessions.models; then deleted."""

from ..models import DebateSummary, Deliberation, Minutes, Publication

__all__ = ["DebateSummary", "Deliberation", "Minutes", "Publication"]
