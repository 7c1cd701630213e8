"""The socket groups of a sitting's live surfaces, and the seats' view of the desk's
snapshot. The snapshots and their fan-out after each commit: sessions.live."""

from __future__ import annotations

from typing import Any


def private_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}"


def public_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}-public"


def desk_group(sitting_id: int) -> str:
    """The chair's and the clerk's dashboards: fine-grained events not worth sending to
    every seat and every viewer (each ballot as it is cast)."""
    return f"sitting-{sitting_id}-desk"


DESK_ONLY = ("members", "proxies")


def seat_view(full: dict[str, Any]) -> dict[str, Any]:
    """The councillors' snapshot: the chair's without the roll and the proxies, which only
    the desk shows (a sixth of the bytes for 150 seats)."""
    return {key: value for key, value in full.items() if key not in DESK_ONLY}
