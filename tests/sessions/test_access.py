"""sessions.access: one helper per protected object (assembly, sitting, document, proxy),
and the one parser of a member id (council.parsing) and of a sitting's objects
(sessions.inputs). Another assembly's ids, logged-out users and malformed ids are each
refused with a 4xx and a French message, never shown the object."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from rest_framework.test import APIClient

from council.errors import Forbidden, InvalidInput, NotFound
from council.models import StaffRole
from council.parsing import parse_member, parse_members, parse_optional_member
from sessions import services
from sessions.access import (
    Role,
    Standing,
    access_assembly,
    access_declarant,
    access_document,
    access_member,
    access_proxy,
    access_sitting,
    clerk_assemblies,
    permits,
)
from sessions.inputs import item_in, optional_room_in, rooms_in, sittings_of
from sessions.models import Proxy
from tests import factories as f

pytestmark = pytest.mark.django_db

MALFORMED = ["abc", "²", "٣", " 3", "1e3", "-1", "0", "9" * 40, "", None, 3.0, True]


@pytest.fixture
def council():
    a = f.assembly(members=6, population=1_000)
    s = f.convened(a)
    other = f.assembly(members=2, population=1_000)
    return a, s, list(a.members.order_by("id").select_related("user")), other


def test_the_rules_are_one_table_over_a_standing():
    chair, secretary, councillor = (f.member(f.assembly(members=0)) for _ in range(3))
    ids = {"chair_id": chair.pk, "secretary_id": secretary.pk}
    cases = {
        Standing(): {Role.PUBLIC},
        Standing(member=councillor): {Role.PUBLIC, Role.MEMBER},
        Standing(member=chair): set(Role) - {Role.CLERK},
        Standing(member=secretary): {Role.PUBLIC, Role.MEMBER, Role.MINUTES},
        Standing(staff=frozenset({StaffRole.Role.CLERK})): set(Role),
        Standing(staff=frozenset({StaffRole.Role.SECRETARY})): {
            Role.PUBLIC,
            Role.MEMBER,
            Role.ATTENDANCE,
            Role.MINUTES,
        },
        Standing(staff=frozenset({StaffRole.Role.TECHNICIAN})): {
            Role.PUBLIC,
            Role.MEMBER,
            Role.BROADCAST,
        },
        Standing(superuser=True): set(Role),
    }
    for who, allowed in cases.items():
        assert {r for r in Role if permits(who, r, **ids)} == allowed, who
    assert not Standing().anyone and Standing(superuser=True).anyone


def test_a_sitting_named_by_a_malformed_or_unknown_id_is_not_found(council):
    a, s, m, other = council
    for bad in [*MALFORMED, str(2**63), 999_999]:
        with pytest.raises(NotFound):
            access_sitting(m[1].user, bad, Role.MEMBER)
    assert access_sitting(m[1].user, str(s.pk), Role.MEMBER) == s


def test_a_sitting_refuses_another_assembly_and_hides_its_drafts(council):
    a, s, m, other = council
    with translation.override("fr"), pytest.raises(Forbidden) as err:
        access_sitting(other.members.first().user, s.pk, Role.MEMBER)
    assert "autorisé" in err.value.message
    with pytest.raises(Forbidden):
        access_sitting(AnonymousUser(), s.pk, Role.MEMBER)
    draft = f.sitting(a, notes=False)
    with pytest.raises(NotFound):
        access_sitting(AnonymousUser(), draft.pk)
    with pytest.raises(NotFound):
        access_sitting(m[1].user, draft.pk)
    assert access_sitting(a.staff.first().user, draft.pk) == draft


def test_an_assembly_for_its_clerks_only(council):
    a, s, m, other = council
    clerk = a.staff.get(role=StaffRole.Role.CLERK).user
    assert access_assembly(clerk, a.pk) == a and access_assembly(clerk, str(a.pk)) == a
    for bad in [*MALFORMED, 999_999]:
        with pytest.raises(NotFound):
            access_assembly(clerk, bad)
    for outsider in (f.staff(other), m[0].user, f.staff(a, StaffRole.Role.SECRETARY)):
        with pytest.raises(Forbidden) as err:
            access_assembly(outsider, a.pk, refusal="Seul le greffe.")
        assert err.value.message == "Seul le greffe."
    with pytest.raises(Forbidden):
        access_assembly(AnonymousUser(), a.pk)
    root = f.user(is_superuser=True)
    assert access_assembly(root, a.pk) == a
    assert list(clerk_assemblies(clerk)) == [a]
    assert not clerk_assemblies(AnonymousUser()).exists() and not clerk_assemblies(m[0].user)
    assert set(clerk_assemblies(root)) >= {a, other}


def test_a_document_is_not_found_by_another_assembly(client, council):
    a, s, m, other = council
    document = s.items.first().documents.first()
    assert access_document(m[3].user, document.pk) == document
    assert access_document(a.staff.first().user, str(document.pk)) == document
    with pytest.raises(NotFound):
        access_document(other.members.first().user, document.pk)
    with pytest.raises(Forbidden):
        access_document(AnonymousUser(), document.pk)
    for bad in MALFORMED:
        with pytest.raises(NotFound):
            access_document(m[3].user, bad)
    client.force_login(other.members.first().user)
    response = client.get(f"/documents/{document.pk}/")
    assert response.status_code == 404 and 'data-code="not_found"' in response.content.decode()
    client.logout()
    assert client.get(f"/documents/{document.pk}/").status_code == 302  # to the login page


def test_a_proxy_for_its_parties_the_chair_and_the_clerk(client, council):
    a, s, m, other = council
    proxy = services.proxy_grant(grantor=m[2], holder=m[3], sittings=[s], user=None)
    for party in (m[2].user, m[3].user, m[0].user, a.staff.first().user):
        assert access_proxy(party, proxy.pk) == proxy
    with pytest.raises(Forbidden):
        access_proxy(m[4].user, proxy.pk)
    with pytest.raises(NotFound):
        access_proxy(other.members.first().user, proxy.pk)
    with pytest.raises(NotFound):
        access_proxy(AnonymousUser(), proxy.pk)
    for bad in MALFORMED:
        with pytest.raises(NotFound):
            access_proxy(m[2].user, bad)
    # Revoking: the grantor alone.
    assert access_proxy(m[2].user, proxy.pk, revoke=True) == proxy
    for refused in (m[3].user, m[0].user):
        with pytest.raises(Forbidden):
            access_proxy(refused, proxy.pk, revoke=True)
    client.force_login(other.members.first().user)
    assert client.post(f"/seat/proxies/{proxy.pk}/revoke/").status_code == 404
    client.force_login(m[3].user)
    assert client.post(f"/seat/proxies/{proxy.pk}/revoke/").status_code == 403
    assert Proxy.objects.get(pk=proxy.pk).revoked_at is None


def test_only_a_member_acts_as_one(council):
    a, s, m, other = council
    assert access_member(m[1].user, s, "x") == m[1]
    for outsider in (a.staff.first().user, other.members.first().user, AnonymousUser()):
        with pytest.raises(InvalidInput) as err:
            access_member(outsider, s, "Seul un membre.")
        assert (err.value.code, err.value.message) == ("not_member", "Seul un membre.")


def test_an_interest_is_declared_by_its_member_or_the_chair(council):
    a, s, m, other = council
    assert access_declarant(m[3].user, s, None) == m[3]
    assert access_declarant(m[3].user, s, m[3].pk) == m[3]
    assert access_declarant(m[0].user, s, m[4].pk) == m[4]  # the chair
    with pytest.raises(Forbidden):
        access_declarant(m[3].user, s, m[4].pk)
    with pytest.raises(InvalidInput) as err:
        access_declarant(a.staff.first().user, s, None)
    assert err.value.code == "no_member"
    with pytest.raises(InvalidInput) as err:
        access_declarant(m[0].user, s, other.members.first().pk)
    assert err.value.code == "unknown_member"


def test_a_member_id_has_one_parser_within_its_assembly(council):
    a, s, m, other = council
    stranger = other.members.first()
    assert parse_member(a, m[2].pk) == m[2] and parse_member(a, str(m[2].pk), strings=True) == m[2]
    assert parse_members(a, [m[3].pk, m[1].pk, m[3].pk], field="x") == [m[3], m[1]]
    assert parse_optional_member(a, None, field="x") is None
    for value in (stranger.pk, 999_999):
        with pytest.raises(InvalidInput) as err:
            parse_member(a, value)
        assert err.value.code == "unknown_member"
        with pytest.raises(InvalidInput):
            parse_members(a, [m[1].pk, value], field="x")
    for bad in ("3", 3.0, True, None, [1]):
        with pytest.raises(InvalidInput) as err:
            parse_member(a, bad)
        assert err.value.code == "invalid_field"


def test_a_sittings_objects_are_looked_up_within_it(council):
    a, s, m, other = council
    mine, theirs = s.items.first(), f.sitting(other, notes=False).items.first()
    assert item_in(s, mine.pk) == mine
    with pytest.raises(InvalidInput) as err:
        item_in(s, theirs.pk)
    assert err.value.code == "unknown_item"
    room, foreign = a.rooms.first(), other.rooms.first()
    assert rooms_in(a, [room.pk]) == [room] and optional_room_in(a, None) is None
    with pytest.raises(InvalidInput) as err:
        optional_room_in(a, foreign.pk)
    assert err.value.code == "unknown_room"
    with pytest.raises(InvalidInput) as err:
        sittings_of(s, [s.pk, theirs.sitting_id])
    assert err.value.code == "unknown_sitting"
    assert sittings_of(s, [str(s.pk)], strings=True) == [s]


def test_the_api_refuses_another_assembly_and_logged_out_requests(council):
    a, s, m, other = council
    anonymous = APIClient()
    body = {"assembly": a.pk, "title": "Conseil", "starts_at": "2030-01-01T18:00:00Z"}
    assert anonymous.post("/api/sittings/", body, format="json").status_code == 401
    outsider = APIClient()
    outsider.force_authenticate(f.staff(other))
    with translation.override("fr"):
        refused = outsider.post("/api/sittings/", body, format="json")
    assert refused.status_code == 403 and refused.json()["message"].startswith("Seul")
    unknown = outsider.post("/api/sittings/", {**body, "assembly": 999_999}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_assembly"
    member = APIClient()
    member.force_authenticate(m[1].user)
    stranger = other.members.first().pk
    answer = member.post(f"/api/sittings/{s.pk}/proxies/", {"holder": stranger}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_member"
