"""R13 / R14: the number of proxies a holder may hold is the regime's: one under the CGCT,
two in the historical Covid-era regime. The database keeps one active proxy per slot, so
the constraint follows the regime; concurrent grants are serialised by the sitting's lock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connections, transaction

from council.regime import COVID_2020
from sessions import services
from sessions.errors import ProxyRefused
from sessions.models import Proxy, ProxyCover
from tests import factories as f
from voting.services import eligible_voices


def _council(regime: str = "cgct-2026", members: int = 10):
    a = f.assembly(members=members, population=1_000)
    a.regime_code = regime
    a.save(update_fields=["regime_code"])
    return a, list(a.members.order_by("id"))


@pytest.mark.django_db
def test_the_historical_regime_lets_a_holder_hold_two_proxies_not_three():
    a, m = _council(COVID_2020.code)
    s = f.sitting(a, notes=False)
    services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s], user=None)
    services.proxy_grant(grantor=m[3], holder=m[2], sittings=[s], user=None)
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[4], holder=m[2], sittings=[s], user=None)
    assert err.value.code == "holder_has_proxy"
    assert "2 pouvoirs" in err.value.message and m[2].full_name in err.value.message
    covers = ProxyCover.objects.filter(sitting=s, holder=m[2], active=True)
    assert sorted(covers.values_list("slot", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_the_holder_of_two_proxies_has_three_voices():
    a, m = _council(COVID_2020.code, members=7)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    services.proxy_grant(grantor=m[5], holder=m[2], sittings=[s], user=None)
    services.proxy_grant(grantor=m[6], holder=m[2], sittings=[s], user=None)
    services.convocation_send(sitting=s, user=clerk)
    f.arrive(s, m[:5])
    voices = eligible_voices(s, s.items.first())
    assert len(voices) == 7
    assert sorted(v["member"] for v in voices if v["by"] == m[2].id) == [m[5].id, m[6].id]


@pytest.mark.django_db
def test_under_the_cgct_a_revoked_proxy_frees_the_holder():
    a, m = _council()
    s = f.sitting(a, notes=False)
    first = services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s], user=None)
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[3], holder=m[2], sittings=[s], user=None)
    assert "un seul" in err.value.message
    services.proxy_revoke(proxy=first, user=None)
    again = services.proxy_grant(grantor=m[3], holder=m[2], sittings=[s], user=None)
    assert again.covers.get().slot == 1


@pytest.mark.django_db
def test_the_database_forbids_a_slot_twice_not_a_second_proxy():
    a, m = _council(COVID_2020.code)
    s = f.sitting(a, notes=False)
    p1 = Proxy.objects.create(grantor=m[1], holder=m[2])
    p2 = Proxy.objects.create(grantor=m[3], holder=m[2])
    ProxyCover.objects.create(proxy=p1, sitting=s, grantor=m[1], holder=m[2], slot=1)
    ProxyCover.objects.create(proxy=p2, sitting=s, grantor=m[3], holder=m[2], slot=2)
    p3 = Proxy.objects.create(grantor=m[4], holder=m[2])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProxyCover.objects.create(proxy=p3, sitting=s, grantor=m[4], holder=m[2], slot=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProxyCover.objects.create(proxy=p3, sitting=s, grantor=m[4], holder=m[2], slot=0)


def _grant_all_at_once(s, grantors, holder) -> list[str]:
    def grant(grantor):
        try:
            services.proxy_grant(grantor=grantor, holder=holder, sittings=[s], user=None)
            return "granted"
        except ProxyRefused as err:
            return err.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(grantors)) as pool:
        return sorted(pool.map(grant, grantors))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("regime", "allowed"), [("cgct-2026", 1), (COVID_2020.code, 2)])
def test_simultaneous_grants_to_one_holder_stop_at_the_regimes_number(regime, allowed):
    a, m = _council(regime, members=12)
    s = f.sitting(a, notes=False)
    outcomes = _grant_all_at_once(s, m[3:9], m[2])
    assert outcomes.count("granted") == allowed
    assert outcomes.count("holder_has_proxy") == 6 - allowed
    covers = ProxyCover.objects.filter(sitting=s, holder=m[2], active=True)
    assert sorted(covers.values_list("slot", flat=True)) == list(range(1, allowed + 1))
    # A refused grant leaves no proxy behind (nor its written PDF, files.py).
    assert Proxy.objects.filter(holder=m[2]).count() == allowed
