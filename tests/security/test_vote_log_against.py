"""R31: `verify_votes --against` a published act, as anyone can get it (file or URL).

The list of deliberations of a held sitting prints its vote chain's head: the command
reads it back from the PDF (or the accessible page), recomputes the chain and says which
sitting, which head, and intact (exit 0), where the log departs from the act (exit 1), or
that the input is not a readable act (exit 3)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from tests.browser.conftest import live_server_process  # noqa: F401  (the fixture)
from tests.security.vote_log_cases import held_sitting, published_head, rewrite_public_ballot
from voting.chain import record_digest, vote_log_key
from voting.published import Unreadable, act_bytes

pytestmark = pytest.mark.django_db


def verify(*args: str) -> tuple[int, str]:
    """The command's exit code and everything it said."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_votes", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def held() -> dict:
    return held_sitting()


def test_the_published_list_verifies_intact_and_names_its_sitting_and_head(held):
    listing, s = held["listing"], held["sitting"]
    head = published_head(listing)
    code, said = verify("--against", listing.document.path)
    assert code == 0, said
    assert f"Séance {s.pk}\u00a0: {s.title}, {s.assembly.name}." in said
    assert f"Tête publiée\u00a0: {head}." in said
    assert f"Tête de la séance dans le journal\u00a0: {head}." in said
    assert "Journal des votes intact au regard de l’acte publié" in said
    code, said = verify("--against", listing.document.path, "--lang", "en", "--sitting", str(s.pk))
    assert code == 0, said
    assert f"Sitting {s.pk}: {s.title}" in said and f"Published head: {head}." in said
    assert "Vote log intact against the published act" in said


def test_a_deliberation_prints_its_votes_close_and_verifies(held):
    vote = held["votes"]["electronic"]
    d = held["sitting"].deliberations.get(vote=vote)
    code, said = verify("--against", d.publication.document.path, "--lang", "en")
    assert code == 0, said
    closed = vote.records.get(kind="closed").hash
    assert f"Published hash of a vote's close: {closed}." in said


def test_a_chain_rewritten_with_the_key_departs_from_the_published_list(held):
    listing = held["listing"]
    head = published_head(listing)
    key = vote_log_key()
    rewrite_public_ballot(held, lambda *args: record_digest(key, *args))
    code, said = verify("--against", listing.document.path)
    assert code == 1, said
    assert f"Tête publiée\u00a0: {head}." in said
    assert "Journal des votes NON conforme à l’acte publié" in said
    assert f"the published anchor {head} is not in the chain" in said
    assert "Aucune des empreintes de l’acte n’est dans le journal." in said


def test_the_minutes_of_a_tampered_vote_say_where_the_log_departs(held):
    """A deliberation of the first vote still agrees; the one of the vote rewritten does
    not, and the command names the last record that still matches the act."""
    from voting.models import SecretBallot

    vote = held["votes"]["secret"]
    SecretBallot.objects.create(vote=vote, choice="for")
    d = held["sitting"].deliberations.get(vote=vote)
    code, said = verify("--against", d.publication.document.path, "--lang", "en")
    closed = vote.records.get(kind="closed")
    assert code == 1, said
    assert f"The chain breaks at record #{closed.pk} (vote {vote.pk}, closed)." in said
    assert f"agrees with the act up to record #{closed.pk}" in said


def test_the_list_of_another_sitting_is_named_and_refused_for_this_one(held):
    other = held_sitting()
    code, said = verify(
        "--against", other["listing"].document.path, "--sitting", str(held["sitting"].pk)
    )
    assert code == 1, said
    assert f"Séance {other['sitting'].pk}\u00a0:" in said
    assert (
        f"cet acte est de la séance {other['sitting'].pk}, non de la séance {held['sitting'].pk}."
    ) in said
    assert "concorde" not in said
    code, said = verify("--against", other["listing"].document.path)  # its own: intact
    assert code == 0, said


def test_unreadable_input_exits_3(held, tmp_path):
    garbage = tmp_path / "acte.pdf"
    garbage.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    code, said = verify("--against", str(garbage))
    assert code == 3 and "Entrée illisible" in said, said
    code, said = verify("--against", str(tmp_path / "absent.pdf"))
    assert code == 3 and "No such file" in said, said
    text = tmp_path / "notes.txt"
    text.write_text("rien")
    code, said = verify("--against", str(text))
    assert code == 3 and "ni un PDF ni une page HTML" in said, said
    for url in ("file:///etc/passwd", "ftp://example.org/acte.pdf"):
        code, said = verify("--against", url)
        assert code == 3 and "Seul un fichier" in said, said
    blank = tmp_path / "blank.pdf"  # a real PDF, without any vote log hash
    writer = __import__("pypdf").PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(blank)
    code, said = verify("--against", str(blank), "--lang", "en")
    assert code == 3 and "prints no vote log hash" in said, said


def test_the_act_served_by_the_live_server_as_pdf_and_as_page(live_server_process):  # noqa: F811
    held = held_sitting()
    listing, head = held["listing"], published_head(held["listing"])
    base = f"http://127.0.0.1:{live_server_process[0].port.value}"
    pdf_url = f"{base}/archive/publications/{listing.pk}.pdf"
    code, said = verify("--against", pdf_url)
    assert code == 0, said
    assert f"Tête publiée\u00a0: {head}." in said and f"Séance {held['sitting'].pk}\u00a0:" in said
    code, said = verify("--against", f"{base}/archive/publications/{listing.pk}/")
    assert code == 0, said
    assert f"(SHA-256 {listing.sha256})" in said and f"Tête publiée\u00a0: {head}." in said
    code, said = verify("--against", f"{base}/archive/publications/999999.pdf", "--lang", "en")
    assert code == 3 and "answered 404" in said, said
    with pytest.raises(Unreadable, match="dépasse 1000 octets"):
        act_bytes(pdf_url, limit=1000)
    assert PdfReader(io.BytesIO(act_bytes(pdf_url))).pages


def test_the_minutes_print_every_close_and_the_head_and_verify(held, tmp_path):
    from sessions.minutes import pdf
    from sessions.minutes import services as minutes

    s = held["sitting"]
    record = minutes.minutes_start(sitting=s, user=None)
    for item in s.items.all():
        minutes.debate_summary_save(minutes=record, item=item, text="Débat.", user=None)
    record = minutes.minutes_finalise(minutes=record, user=None)
    path = tmp_path / "pv.pdf"
    path.write_bytes(pdf.render_minutes(record))
    code, said = verify("--against", str(path), "--lang", "en")
    assert code == 0, said
    assert f"Sitting {s.pk}: {s.title}" in said
    for vote in held["votes"].values():
        closed = vote.records.get(kind="closed").hash
        assert f"Published hash of a vote's close: {closed}." in said
    assert f"Published head: {published_head(held['listing'])}." in said
