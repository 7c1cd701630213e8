"""A co-built agenda (seed 002): who may propose, until when, and what the clerk and the
chair decide; the proposer reads the outcome on their seat page."""

from __future__ import annotations

import pytest

from council.models import StaffRole
from sessions import services
from sessions.errors import DomainError
from sessions.models import AgendaItem, ItemProposal
from sessions.services import proposals
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return f.assembly(members=7)


def _propose(sitting, member, title="Rénovation de l'éclairage du stade"):
    return proposals.proposal_submit(
        sitting=sitting, member=member, title=title, note="Les riverains le demandent."
    )


def test_a_member_proposes_and_the_clerk_accepts_an_item_credited_to_them(town):
    s = f.sitting(town, items=2, notes=False)
    member = f.councillors(town)[0]
    proposal = _propose(s, member)
    assert proposal.state == ItemProposal.State.PENDING
    done = proposals.proposal_accept(proposal=proposal, user=f.staff(town))
    item = s.items.get(pk=done.item_id)
    assert (item.position, item.title, item.rapporteur) == (3, proposal.title, member)
    assert "Les riverains le demandent." in item.summary
    assert member.full_name in item.summary


def test_merge_credits_the_proposer_and_decline_needs_a_reason(town):
    s = f.sitting(town, items=1, notes=False)
    first, second = f.councillors(town)[:2]
    clerk = f.staff(town)
    item = s.items.get()
    merged = proposals.proposal_merge(proposal=_propose(s, first), item=item, user=clerk)
    assert merged.state == ItemProposal.State.MERGED
    item.refresh_from_db()
    assert first.full_name in item.summary
    other = _propose(s, second, "Un autre sujet")
    with pytest.raises(DomainError) as err:
        proposals.proposal_decline(proposal=other, reason="  ", user=clerk)
    assert err.value.code == "reason_missing"
    declined = proposals.proposal_decline(
        proposal=other, reason="Relève de la commission.", user=clerk
    )
    assert (declined.state, declined.reason) == ("declined", "Relève de la commission.")
    with pytest.raises(DomainError) as again:
        proposals.proposal_accept(proposal=declined, user=clerk)
    assert again.value.code == "proposal_decided"


def test_only_members_of_the_assembly_propose(town):
    s = f.sitting(town, items=0, notes=False)
    elsewhere = f.assembly(members=3)
    with pytest.raises(DomainError) as err:
        _propose(s, f.councillors(elsewhere)[0])
    assert err.value.code == "not_member"
    assert not ItemProposal.objects.exists()


def test_proposals_close_with_the_convocation(town):
    s = f.convened(town)
    with pytest.raises(DomainError) as err:
        _propose(s, f.councillors(town)[0])
    assert err.value.code == "proposals_closed"
    assert "convocation" in err.value.message


def test_a_decision_after_the_convocation_is_refused(town):
    clerk = f.staff(town)
    s = f.sitting(town, clerk=clerk)
    proposal = _propose(s, f.councillors(town)[0])
    services.convocation_send(sitting=s, user=clerk)
    with pytest.raises(DomainError) as err:
        proposals.proposal_accept(proposal=proposal, user=clerk)
    assert err.value.code == "proposals_closed"
    assert s.items.count() == 3


def test_a_councillor_or_another_assemblys_clerk_cannot_decide(town):
    s = f.sitting(town, items=0, notes=False)
    proposal = _propose(s, f.councillors(town)[0])
    other_clerk = f.staff(f.assembly(members=2))
    for user in (f.councillors(town)[1].user, other_clerk):
        with pytest.raises(DomainError) as err:
            proposals.proposal_accept(proposal=proposal, user=user)
        assert err.value.status == 403
    # The sitting's chair decides too.
    done = proposals.proposal_accept(proposal=proposal, user=f.chair(town).user)
    assert done.state == "accepted"


def test_pages_seat_form_clerk_decision_and_what_the_proposer_reads(client, town):
    clerk = f.staff(town)
    s = f.sitting(town, clerk=clerk, items=1, notes=False)
    member = f.councillors(town)[0]
    client.force_login(member.user)
    page = client.get(f"/seat/sittings/{s.pk}/")
    assert "Proposer un point à l’ordre du jour" in page.content.decode()
    sent = client.post(
        f"/seat/sittings/{s.pk}/propose/",
        {"title": "Piste cyclable rue Haute", "note": "Pétition de 300 habitants."},
        follow=True,
    )
    assert "Votre proposition est envoyée" in sent.content.decode()
    proposal = ItemProposal.objects.get()
    client.force_login(clerk)
    agenda = client.get(f"/clerk/sittings/{s.pk}/").content.decode()
    assert "Piste cyclable rue Haute" in agenda and member.full_name in agenda
    client.post(
        f"/clerk/sittings/{s.pk}/proposals/{proposal.pk}/decline/",
        {"reason": "Déjà inscrit au budget."},
    )
    client.force_login(member.user)
    seat = client.get(f"/seat/sittings/{s.pk}/").content.decode()
    assert "Refusée" in seat and "Déjà inscrit au budget." in seat
    assert AgendaItem.objects.filter(sitting=s).count() == 1


def test_the_chair_decides_from_the_proposals_page(client, town):
    s = f.sitting(town, items=0, notes=False)
    proposal = _propose(s, f.councillors(town)[0])
    client.force_login(f.chair(town).user)
    assert client.get(f"/clerk/sittings/{s.pk}/proposals/").status_code == 200
    client.post(f"/clerk/sittings/{s.pk}/proposals/{proposal.pk}/accept/")
    proposal.refresh_from_db()
    assert proposal.state == "accepted"
    councillor = f.councillors(town)[1]
    client.force_login(councillor.user)
    assert client.get(f"/clerk/sittings/{s.pk}/proposals/").status_code == 403


def test_the_councillors_sittings_link_lists_their_sittings(client, town):
    s = f.sitting(town, items=0, notes=False)
    member = f.councillors(town)[0]
    client.force_login(member.user)
    page = client.get("/my/sittings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/seat/sittings/{s.pk}/" in html and "Proposer un point" in html
    clerk_only = f.staff(town, StaffRole.Role.CLERK)
    client.force_login(clerk_only)
    assert client.get("/my/sittings/")["Location"] == "/clerk/"


def test_over_http_another_councils_member_and_a_clerk_cannot_propose(client, town):
    s = f.sitting(town, items=0, notes=False)
    stranger = f.councillors(f.assembly(members=3))[0]
    client.force_login(stranger.user)
    refused = client.post(f"/seat/sittings/{s.pk}/propose/", {"title": "Un sujet"})
    assert refused.status_code == 403
    client.force_login(f.staff(town))
    staff = client.post(f"/seat/sittings/{s.pk}/propose/", {"title": "Un sujet"})
    assert staff.status_code == 403
    assert "Seuls les membres de ce conseil" in staff.content.decode()
    assert not ItemProposal.objects.exists()
