"""The demo's people: councillors named from two lists of French first and last names,
the staff's accounts, and one password for every login (printed by seance_demo)."""

from __future__ import annotations

import datetime
import functools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from council.models import Assembly, Member, MemberCommune, StaffRole

PASSWORD = "seance-demo"
FIRST = [
    "Camille",
    "Louis",
    "Chloé",
    "Hugo",
    "Léa",
    "Gabriel",
    "Manon",
    "Arthur",
    "Inès",
    "Jules",
    "Sarah",
    "Raphaël",
    "Emma",
    "Nathan",
    "Alice",
    "Paul",
    "Zoé",
    "Lucas",
    "Juliette",
    "Adam",
    "Louise",
    "Théo",
    "Jeanne",
    "Nolan",
    "Lina",
    "Mathis",
    "Rose",
    "Tom",
    "Anna",
    "Victor",
    "Clara",
    "Malo",
    "Agathe",
    "Sacha",
    "Margaux",
    "Noé",
    "Élise",
    "Basile",
    "Romane",
    "Martin",
]
LAST = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefort",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
]


def user(username: str, first: str = "", last: str = "") -> User:
    account, _ = User.objects.get_or_create(username=username)
    account.first_name, account.last_name = first, last
    account.password = demo_password_hash()
    account.save()
    return account


@functools.cache
def demo_password_hash() -> str:
    """One hash for every demo account: 140 PBKDF2 runs would take a minute."""
    return make_password(PASSWORD)


def demo_members(
    assembly: Assembly,
    count: int,
    prefix: str,
    chair: str,
    communes: list[MemberCommune] | None = None,
) -> list[Member]:
    people = []
    for i in range(count):
        first, last = FIRST[(i * 7) % len(FIRST)], LAST[(i * 11 + count) % len(LAST)]
        username = chair if i == 0 else f"{prefix}{i:02d}"
        role = (
            Member.Role.CHAIR
            if i == 0
            else Member.Role.DEPUTY
            if i <= 10
            else Member.Role.COUNCILLOR
        )
        people.append(
            Member.objects.create(
                assembly=assembly,
                user=user(username, first, last),
                first_name=first,
                last_name=last,
                role=role,
                birthdate=datetime.date(1948 + (i * 13) % 50, 1 + i % 12, 1 + (i * 5) % 28),
                email=f"{username}@{assembly.slug}.example.fr",
                mandate_start=datetime.date(2026, 3, 22),
                commune=communes[i % len(communes)] if communes else None,
                wants_paper=i % 17 == 5,
            )
        )
    return people


def demo_staff(assembly: Assembly, username: str, role: str) -> User:
    account = user(username, "", StaffRole.account_name(role))
    StaffRole.objects.get_or_create(user=account, assembly=assembly, role=role)
    return account
