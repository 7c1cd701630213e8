"""Moved to sessions.models (sessions/models/prefecture.py): the prefecture's models are of
the core layer. Kept only until every importer names sessions.models; then deleted."""

from ..models import PrefectureLink, Transmission

__all__ = ["PrefectureLink", "Transmission"]
