"""What seance_demo prints at the end: each demo login, who it is, and the page it opens."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import OutputWrapper

from sessions.models import Minutes, Sitting

from ._demo_people import PASSWORD


def print_logins(stdout: OutputWrapper) -> None:
    """Where each demo login leads, with the one password."""
    ville = Sitting.objects.filter(assembly__slug="ingeville").order_by("-id").first()
    held = Minutes.objects.filter(sitting__assembly__slug="ingeville").first()
    agglo = Sitting.objects.filter(assembly__slug="ingeco").order_by("-id").first()
    assert ville is not None and agglo is not None and held is not None
    rows = _rows(ville, agglo, held)
    url = settings.SEANCE_PUBLIC_URL.rstrip("/")  # http://127.0.0.1:$PORT unless set
    stdout.write(f"\nSéance demo — {url} — password for every login: {PASSWORD}\n")
    for login, who, path in rows:
        stdout.write(f"  {login:<18} {who:<36} {url}{path}")
    stdout.write("")


def _rows(ville: Sitting, agglo: Sitting, held: Minutes) -> list[tuple[str, str, str]]:
    """(login, who it is, the page to open)."""
    return [
        ("greffe", "clerk of Ingeville", "/clerk/"),
        (
            "greffe",
            "the chamber's screens (links)",
            f"/clerk/assemblies/{ville.assembly_id}/screens/",
        ),
        ("maire", "mayor, chairs the sitting", f"/chair/sittings/{ville.id}/"),
        ("conseiller12", "councillor of Ingeville", f"/seat/sittings/{ville.id}/"),
        ("conseiller12", "his sittings; propose an item for January", "/my/sittings/"),
        ("secretariat", "secretary agent (roll call)", f"/roll/sittings/{ville.id}/"),
        (
            "secretariat",
            "minutes of this morning's sitting",
            f"/clerk/sittings/{held.sitting_id}/minutes/",
        ),
        ("regie", "technician: broadcast control room", f"/broadcast/sittings/{ville.id}/"),
        ("greffe-ingeco", "clerk of Ingeco", "/clerk/"),
        ("president", "president of Ingeco", f"/chair/sittings/{agglo.id}/"),
        ("delegue07", "delegate of Ingeco", f"/seat/sittings/{agglo.id}/"),
        (
            "agent-belleroche",
            "agent in the Belleroche remote room",
            f"/roll/sittings/{agglo.id}/",
        ),
        ("(no login)", "citizen: public page of Ingeville", f"/sittings/{ville.id}/"),
        ("(no login)", "citizen: public page of Ingeco", f"/sittings/{agglo.id}/"),
        ("(no login)", "citizen: archive and open data", "/archive/ingeville/"),
        (
            "(no login)",
            "citizen: replay with captions",
            f"/archive/sittings/{held.sitting_id}/replay/",
        ),
    ]
