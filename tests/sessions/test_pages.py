"""The live pages over HTTP: access, public privacy, proxies from the seat."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sessions.models import Proxy
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    a = f.assembly(members=6, population=1_000)
    s = f.convened(a, notes=False)
    return a, s, list(a.members.order_by("id").select_related("user"))


def test_public_page_sets_no_cookie_and_loads_only_local_assets(client, council):
    a, s, m = council
    response = client.get(f"/sittings/{s.id}/")
    assert response.status_code == 200
    assert response.cookies == {} and "Set-Cookie" not in response.headers
    assert "default-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert s.title in html and s.convocation.register_number in html
    home = client.get("/")
    assert home.status_code == 200 and home.cookies == {}


def test_draft_and_unknown_sittings_are_not_found(client, council):
    a, s, m = council
    draft = f.sitting(a, notes=False)
    response = client.get(f"/sittings/{draft.id}/")
    assert response.status_code == 404
    assert client.get("/sittings/999999/").status_code == 404


def test_councillor_cannot_open_the_chair_dashboard(client, council):
    a, s, m = council
    client.force_login(m[3].user)
    response = client.get(f"/chair/sittings/{s.id}/")
    assert response.status_code == 403
    assert 'data-code="forbidden"' in response.content.decode()
    assert client.get(f"/seat/sittings/{s.id}/").status_code == 200
    client.force_login(m[0].user)
    assert client.get(f"/chair/sittings/{s.id}/").status_code == 200


def test_outsider_cannot_see_the_seat_or_the_papers(client, council):
    a, s, m = council
    other = f.assembly(members=1, population=1_000)
    client.force_login(other.members.first().user)
    assert client.get(f"/seat/sittings/{s.id}/").status_code == 403
    assert client.get(f"/roll/sittings/{s.id}/").status_code == 403


def test_proxy_given_and_revoked_from_the_seat(client, council):
    a, s, m = council
    client.force_login(m[2].user)
    response = client.post(
        f"/seat/sittings/{s.id}/proxy/", {"holder": m[3].id, "sittings": [s.id]}, follow=True
    )
    assert response.status_code == 200
    proxy = Proxy.objects.get(grantor=m[2])
    assert proxy.holder == m[3] and proxy.document.name.endswith(".pdf")
    # The same holder cannot take a second proxy: the page says why, nothing is stored.
    client.force_login(m[4].user)
    response = client.post(
        f"/seat/sittings/{s.id}/proxy/", {"holder": m[3].id, "sittings": [s.id]}, follow=True
    )
    assert Proxy.objects.filter(grantor=m[4]).count() == 0
    assert "messages" in response.content.decode()
    # Only the grantor revokes.
    assert client.post(f"/seat/proxies/{proxy.id}/revoke/").status_code == 403
    client.force_login(m[2].user)
    client.post(f"/seat/proxies/{proxy.id}/revoke/", {"sitting": s.id})
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None


def test_proxy_with_a_non_pdf_document_is_refused(client, council):
    a, s, m = council
    client.force_login(m[2].user)
    fake = SimpleUploadedFile(
        "pouvoir.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    client.post(
        f"/seat/sittings/{s.id}/proxy/", {"holder": m[3].id, "sittings": [s.id], "document": fake}
    )
    assert not Proxy.objects.exists()


def test_acknowledgement_link_is_unguessable(client, council):
    a, s, m = council
    response = client.get("/convocations/ack/" + "A" * 43 + "/")
    assert response.status_code == 404
    assert 'data-code="not_found"' in response.content.decode()


def test_uploads_are_never_served_from_disk_and_proxies_only_to_those_concerned(client, council):
    a, s, m = council
    client.force_login(m[2].user)
    client.post(f"/seat/sittings/{s.id}/proxy/", {"holder": m[3].id, "sittings": [s.id]})
    proxy = Proxy.objects.get(grantor=m[2])
    assert client.get(f"/media/{proxy.document.name}").status_code == 404
    assert client.get(f"/proxies/{proxy.id}/document/").status_code == 200
    client.force_login(m[4].user)
    assert client.get(f"/proxies/{proxy.id}/document/").status_code == 403
    client.force_login(m[0].user)  # the chair
    assert client.get(f"/proxies/{proxy.id}/document/").status_code == 200
