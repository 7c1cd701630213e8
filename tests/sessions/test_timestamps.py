"""R31, optional: each published act gets an RFC 3161 timestamp from the configured
authority (here `openssl ts -reply` behind a local HTTP server, tests/sessions/tsa.py).

The round trip: the list of deliberations published, its timestamp asked for, stored with
the act, offered beside it in the archive, and verified by `openssl ts -verify` against the
PDF as anyone would, and by `verify_timestamps`; the authority down at publication: the
act is online all the same, "horodatage en attente" for the clerk, and timestamped once
the authority is back."""

from __future__ import annotations

import datetime
import io
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from sessions.minutes.tasks import timestamp_act
from sessions.minutes.timestamps import TimestampDeferred, timestamp_request
from tests import factories as f
from tests.security.vote_log_cases import held_sitting
from tests.sessions.tsa import Authority

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority(tmp_path, settings):
    tsa = Authority(tmp_path).start()
    settings.SEANCE_TSA_URL = tsa.url
    settings.SEANCE_TSA_CA_FILE = tsa.ca_file
    settings.SEANCE_TSA_TIMEOUT = 5
    yield tsa
    tsa.stop()


def verify_timestamps(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_timestamps", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
    return 0, out.getvalue()


def test_an_act_is_timestamped_offered_beside_it_and_verifies(authority, client, tmp_path):
    held = held_sitting()
    listing, s = held["listing"], held["sitting"]
    acts = s.publications.all()
    assert {p.timestamp_state for p in acts} == {"pending"}  # asked for after the commit
    before = timezone.now().replace(microsecond=0) - datetime.timedelta(seconds=2)
    for p in acts:
        timestamp_act.apply(args=[p.pk])  # the job, run here
    listing.refresh_from_db()
    assert listing.timestamp_state == "done" and listing.timestamp_error == ""
    assert before <= listing.timestamp_at <= timezone.now() + datetime.timedelta(seconds=2)
    assert authority.answered == acts.count()

    page = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    link = reverse("publication-timestamp", args=[listing.pk])
    assert f'href="{link}" data-testid="timestamp-{listing.pk}">Horodatage RFC 3161 (.tsr)' in page
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/timestamp-reply"
    token = tmp_path / "liste.tsr"
    token.write_bytes(response.content)
    pdf = tmp_path / "liste.pdf"
    pdf.write_bytes(client.get(reverse("publication-pdf", args=[listing.pk])).getvalue())
    checked = subprocess.run(  # as anyone would check it, with the authority's certificate
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            str(pdf),
            "-in",
            str(token),
            "-CAfile",
            authority.ca_file,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked

    code, said = verify_timestamps()
    assert code == 0, said
    assert f"Timestamps verified: {acts.count()} timestamped acts, 0 pending." in said
    with open(listing.document.path, "ab") as out:  # the stored PDF altered afterwards
        out.write(b"%%EOF\n")
    code, said = verify_timestamps()
    assert code == 1, said
    assert f"Act #{listing.pk} ({listing.title}): timestamp does not verify" in said


def test_the_authority_down_at_publication_then_up(authority, client, settings):
    authority.stop()  # down: its port refuses connections
    held = held_sitting()
    listing, s = held["listing"], held["sitting"]
    with pytest.raises(TimestampDeferred, match="unreachable"):
        timestamp_request(publication_id=listing.pk)
    listing.refresh_from_db()
    assert listing.timestamp_state == "pending" and "unreachable" in listing.timestamp_error
    assert client.get(reverse("publication-pdf", args=[listing.pk])).status_code == 200
    clerk = f.staff(s.assembly)
    client.force_login(clerk)
    page = client.get(reverse("clerk-minutes", args=[s.pk])).content.decode()
    assert f'data-testid="timestamp-pending-{listing.pk}">horodatage en attente</span>' in page
    client.logout()
    public = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    assert "horodatage en attente" in public and "unreachable" not in public
    assert client.get(reverse("publication-timestamp", args=[listing.pk])).status_code == 404

    authority.start()  # up again, on the same port
    code, said = verify_timestamps("--retry")
    assert code == 0, said
    count = s.publications.count()
    assert f"{count} pending act(s) timestamped now." in said
    assert f"Timestamps verified: {count} timestamped acts, 0 pending." in said
    listing.refresh_from_db()
    assert listing.timestamp_state == "done"
    public = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    assert "horodatage en attente" not in public and "Horodatage RFC 3161" in public


def test_an_answer_signed_by_another_authority_is_not_stored(authority, settings, tmp_path):
    (tmp_path / "other").mkdir()
    other = Authority(tmp_path / "other")
    settings.SEANCE_TSA_CA_FILE = other.ca_file  # the configured chain is not the signer's
    held = held_sitting()
    with pytest.raises(TimestampDeferred, match="does not verify"):
        timestamp_request(publication_id=held["listing"].pk)
    held["listing"].refresh_from_db()
    assert held["listing"].timestamp_state == "pending" and held["listing"].timestamp is None
