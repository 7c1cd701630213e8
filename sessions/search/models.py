"""Moved to sessions.models (sessions/models/search.py). Kept only until every importer
names sessions.models; then deleted."""

from ..models import SearchEntry

__all__ = ["SearchEntry"]
