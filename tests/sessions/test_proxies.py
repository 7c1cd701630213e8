"""R14-R15: proxies."""

import pytest

from sessions import services
from sessions.errors import ProxyRefused
from sessions.live.snapshots import chair_snapshot
from sessions.models import ProxyCover
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    a = f.assembly(members=8, population=1_000)
    return a, list(a.members.order_by("id"))


def test_a_holder_cannot_take_a_second_proxy(council):
    a, m = council
    s = f.sitting(a, notes=False)
    services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s], user=None)
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[3], holder=m[2], sittings=[s], user=None)
    assert err.value.code == "holder_has_proxy"
    assert ProxyCover.objects.filter(sitting=s, active=True).count() == 1


def test_a_grantor_gives_one_proxy_per_sitting(council):
    a, m = council
    s = f.sitting(a, notes=False)
    services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s], user=None)
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[1], holder=m[3], sittings=[s], user=None)
    assert err.value.code == "grantor_has_proxy"


def test_a_fourth_consecutive_sitting_is_refused_except_for_illness(council):
    a, m = council
    sittings = [f.sitting(a, days=10 + 7 * i, notes=False) for i in range(4)]
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[1], holder=m[2], sittings=sittings, user=None)
    assert err.value.code == "too_many_sittings"
    services.proxy_grant(grantor=m[1], holder=m[2], sittings=sittings[:3], user=None)
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[1], holder=m[3], sittings=sittings[3:], user=None)
    assert err.value.code == "too_many_sittings"
    services.proxy_grant(grantor=m[4], holder=m[5], sittings=sittings, user=None, illness=True)


def test_covered_sittings_must_be_consecutive(council):
    a, m = council
    s1, s2, s3 = (f.sitting(a, days=10 + 7 * i, notes=False) for i in range(3))
    with pytest.raises(ProxyRefused) as err:
        services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s1, s3], user=None)
    assert err.value.code == "not_consecutive"


def test_self_proxy_and_revocation(council):
    a, m = council
    s = f.sitting(a, notes=False)
    with pytest.raises(ProxyRefused):
        services.proxy_grant(grantor=m[1], holder=m[1], sittings=[s], user=None)
    proxy = services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s], user=None)
    assert proxy.document.read(5) == b"%PDF-"  # the written proxy is generated
    services.proxy_revoke(proxy=proxy, user=None)
    assert not ProxyCover.objects.filter(active=True).exists()
    services.proxy_grant(grantor=m[3], holder=m[2], sittings=[s], user=None)  # holder is free
    with pytest.raises(ProxyRefused):
        services.proxy_revoke(proxy=proxy, user=None)


def test_proxy_inactive_while_grantor_present(council):
    a, m = council
    s = f.convened(a, notes=False)
    services.proxy_grant(grantor=m[1], holder=m[2], sittings=[s], user=None)
    f.arrive(s, [m[2]])
    [p] = chair_snapshot(s)["proxies"]
    assert p["in_use"] is True
    f.arrive(s, [m[1]])
    [p] = chair_snapshot(s)["proxies"]
    assert p["in_use"] is False
    assert chair_snapshot(s)["attendance"]["represented"] == 0


def test_holder_must_be_in_office(council):
    a, m = council
    other = f.assembly(members=2, population=1_000)
    s = f.sitting(a, notes=False)
    with pytest.raises(Exception) as err:
        services.proxy_grant(grantor=m[1], holder=other.members.first(), sittings=[s], user=None)
    assert getattr(err.value, "code", "") == "not_in_office"
