"""Moved to sessions.models.actes: the nomenclature gives the agenda items' choices, of the
core layer. Kept only until every importer names sessions.models; then deleted."""

from ..models.actes import BY_ITEM_KIND, CHOICES, LEVEL_1, LEVEL_2, matter_name

__all__ = ["BY_ITEM_KIND", "CHOICES", "LEVEL_1", "LEVEL_2", "matter_name"]
