"""R31: the vote log is tamper-evident, against an insider with the database.

A sitting with a public vote, a secret ballot, an election and a show of hands, built
through the services, closed, its list of deliberations published. Then its database is
altered the way the audit altered its copy, and `verify_votes` must say "altered", with the
reason: a secret ballot changed or added; a public ballot changed; the chain's last records
removed; a public ballot rewritten with every hash recomputed, without the key (plain
SHA-256, or another key), or with it but against the anchor published in the list."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from sessions.minutes import services as minutes
from tests.security.tamper import as_insider, rechain, sql
from tests.security.vote_log_cases import held_sitting, published_head, rewrite_public_ballot
from tests.voting import test_votes as scenarios
from voting import services
from voting.chain import legacy_digest, record_digest, vote_log_key
from voting.management.commands.verify_votes import Command as VerifyVotes
from voting.models import Ballot, ChainHead, SecretBallot, Vote, VoteRecord
from voting.verify import chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def held() -> dict:
    return held_sitting()


def altered(**kwargs) -> str:
    report = chain_verify(**kwargs)
    assert not report.ok, "verify said intact"
    return report.reason


def test_an_intact_log_is_intact_and_every_vote_is_recounted(held):
    report = chain_verify(anchors=[published_head(held["listing"])])
    assert report.ok, report.reason
    assert report.recounted == 4
    assert report.checked == VoteRecord.objects.count() == 4 * 2 + 7 + 7 + 7
    assert report.head == ChainHead.objects.get().last_hash


def test_the_head_is_published_in_the_list_the_minutes_and_the_archive(held, client):
    s, votes = held["sitting"], held["votes"]
    head = VoteRecord.objects.filter(vote__sitting=s).order_by("-id").first().hash
    assert published_head(held["listing"]) == head
    page = client.get(reverse("archive-sitting", args=[s.pk])).content.decode()
    assert re.search(rf'data-testid="vote-log-head">[^<]*\s*<code class="hash">{head}<', page)
    closing = {k: v.records.get(kind="closed").hash for k, v in votes.items()}
    assert sorted(re.findall(r'data-testid="vote-anchor">([0-9a-f]{64})<', page)) == sorted(
        closing.values()
    )
    deliberation = s.deliberations.get(vote=votes["electronic"])
    text = PdfReader(deliberation.publication.document.open("rb")).pages[0].extract_text()
    assert closing["electronic"] in text.replace("\n", "")

    record = minutes.minutes_start(sitting=s, user=None)
    for item in s.items.all():
        minutes.debate_summary_save(minutes=record, item=item, text="Débat.", user=None)
    record = minutes.minutes_finalise(minutes=record, user=None)
    assert record.content["vote_log_head"] == head
    drafted = [v["anchor"] for item in record.content["items"] for v in item["votes"]]
    assert sorted(drafted) == sorted(closing.values())
    from sessions.minutes import pdf

    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.render_minutes(record))).pages
    )
    for digest in [head, *closing.values()]:
        assert digest in text.replace("\n", "")


SCENARIOS = [
    "test_tie_decided_by_the_chairs_vote",
    "test_the_same_tie_in_a_secret_ballot_is_not_adopted",
    "test_proxy_holder_votes_twice_but_not_once_the_grantor_arrives",
    "test_roll_call_needs_a_quarter_of_members_present",
    "test_an_election_goes_to_a_third_round_won_by_relative_majority_and_the_oldest",
    "test_a_ballot_is_stored_once_and_late_ballots_are_refused",
    "test_show_of_hands_counts_are_checked",
    "test_compte_administratif_has_its_own_chair_and_the_mayor_withdraws",
    "test_teleconference_votes_are_public",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_kind_of_vote_verifies_intact(scenario):
    """No false alarm: the votes of tests/voting (ties and casting votes, proxies, roll
    call, three election rounds, late ballots, counted hands, another chair) recount, once
    every vote they left open is closed."""
    getattr(scenarios, scenario)()
    for vote in Vote.objects.filter(state="open"):  # closed too, to be recounted
        services.vote_close(vote=vote, user=None, confirm=True)
    report = chain_verify()
    assert report.ok, report.reason
    assert report.recounted == Vote.objects.filter(state="closed").count() > 0


def test_a_secret_ballot_changed_is_an_alteration(held):
    vote = held["votes"]["secret"]
    ballot = SecretBallot.objects.filter(vote=vote, choice="against").first()
    SecretBallot.objects.filter(pk=ballot.pk).update(choice="for")
    reason = altered()
    assert f"vote {vote.pk}: the ballot box differs from the chain's closed record" in reason
    assert "a secret ballot was changed: against became for" in reason


def test_an_extra_secret_ballot_is_an_alteration(held):
    vote = held["votes"]["secret"]
    SecretBallot.objects.create(vote=vote, choice="for")
    reason = altered()
    assert f"vote {vote.pk}: the ballot box holds 8 ballots, the chain's closed record 7" in reason


def test_an_election_ballot_changed_is_an_alteration(held):
    vote = held["votes"]["election"]
    SecretBallot.objects.filter(vote=vote, choice="blank").update(choice=str(held["people"][3].id))
    assert f"vote {vote.pk}: the ballot box differs" in altered()


def test_a_box_rewritten_with_its_log_still_disagrees_with_the_participations(held):
    """The box and the closed record changed together (with the key): the participations
    logged ballot by ballot, and the recount of the result, still tell."""
    vote = held["votes"]["secret"]
    SecretBallot.objects.create(vote=vote, choice="for")
    key = vote_log_key()

    def stuffed(record: VoteRecord) -> dict | None:
        if record.vote_id == vote.pk and record.kind == "closed":
            return {**record.payload, "box": sorted([*record.payload["box"], "for"])}
        return None

    rechain(lambda *args: record_digest(key, *args), stuffed)
    assert f"vote {vote.pk}: the box holds 8 ballots but 7 participations were logged" in altered()


def test_a_public_ballot_changed_is_an_alteration(held):
    ballot = Ballot.objects.get(vote=held["votes"]["electronic"], member=held["people"][3])
    Ballot.objects.filter(pk=ballot.pk).update(choice="against")
    assert f"ballot {ballot.pk} differs from its record" in altered()


def test_a_public_ballot_added_is_an_alteration(held):
    vote = held["votes"]["hands"]
    Ballot.objects.create(
        vote=vote, member=held["people"][4], cast_by=held["people"][4], choice="for",
        client_id="slipped-in", cast_at=vote.closed_at,
    )  # fmt: skip
    assert "is not in the chain: it was added" in altered()


def test_a_stored_result_changed_is_an_alteration(held):
    vote = held["votes"]["hands"]
    Vote.objects.filter(pk=vote.pk).update(result={**vote.result, "for": 6}, adopted=True)
    assert f"vote {vote.pk}: its stored result differs from the chain's" in altered()


def test_the_last_three_records_deleted_is_an_alteration(held):
    with as_insider():
        sql(
            "DELETE FROM voting_voterecord WHERE id IN "
            "(SELECT id FROM voting_voterecord ORDER BY id DESC LIMIT 3)"
        )
    assert "the chain is truncated" in altered()
    # The insider also moves the head back: the votes those records logged tell.
    ChainHead.objects.update(last_hash=VoteRecord.objects.order_by("-id").first().hash)
    reason = altered()
    assert "has no “closed” record" in reason or "not in the chain" in reason, reason
    # And so does the published head, whatever the database says.
    assert "the published anchor" in altered(anchors=[published_head(held["listing"])])


def test_a_missing_head_with_records_is_an_alteration(held):
    ChainHead.objects.all().delete()
    assert "the chain head is missing" in altered()


def test_a_rewrite_with_sha256_hashes_is_an_alteration(held):
    rewrite_public_ballot(held, legacy_digest)
    reason = altered()
    assert "record #" not in reason  # the command names it; the reason says why
    assert "plain SHA-256, not this server's HMAC" in reason, reason


def test_a_rewrite_with_another_key_is_an_alteration(held):
    other = b"a key the insider made up"

    def wrong(*args):
        return record_digest(other, *args)

    rewrite_public_ballot(held, wrong)
    first = VoteRecord.objects.order_by("id").first()
    report = chain_verify()
    assert report.first_bad == first
    assert "HMAC-SHA256 with this server's key" in report.reason


def test_a_rewrite_with_the_key_fails_against_the_published_anchor(held):
    anchor = published_head(held["listing"])
    key = vote_log_key()
    rewrite_public_ballot(held, lambda *args: record_digest(key, *args))
    assert chain_verify().ok  # the key alone: the database is consistent again...
    reason = altered(anchors=[anchor])  # ...but the list published at the close is not
    assert f"the published anchor {anchor} is not in the chain" in reason


def test_records_before_the_key_verify_only_up_to_the_legacy_head(held, settings):
    legacy_head = rechain(legacy_digest)
    assert "plain SHA-256" in altered()
    settings.SEANCE_VOTE_LOG_LEGACY_HEAD = legacy_head
    report = chain_verify()
    assert report.ok and report.legacy == report.checked, report.reason
    vote = held["votes"]["hands"]
    with transaction.atomic():
        from voting.chain import record_append

        record_append(vote=vote, kind="note", payload={})  # after the key: an HMAC
    report = chain_verify()
    assert report.ok and report.legacy == report.checked - 1, report.reason
    settings.SEANCE_VOTE_LOG_LEGACY_HEAD = "f" * 64
    assert "SEANCE_VOTE_LOG_LEGACY_HEAD" in altered()


def test_the_log_refuses_update_delete_and_truncate(held):
    record = VoteRecord.objects.order_by("id").first()
    if connection.vendor == "postgresql":
        for statement in (
            "UPDATE voting_voterecord SET payload = '{}' WHERE id = %s",
            "DELETE FROM voting_voterecord WHERE id = %s",
        ):
            refused = f"append-only: {statement.split()[0]} on voting_voterecord refused"
            with pytest.raises(DatabaseError, match=refused), transaction.atomic():
                sql(statement, record.pk)
        role = f"seance_app_{record.hash[:12]}"
        sql(f'CREATE ROLE "{role}" NOLOGIN')
        sql(f'GRANT ALL ON voting_voterecord TO "{role}"')
        sql("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check left pending
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
            sql(f'SET LOCAL ROLE "{role}"')
            sql("TRUNCATE voting_voterecord")
    else:
        with pytest.raises(ValueError, match="append-only"):
            record.save()
        with pytest.raises(ValueError, match="append-only"):
            record.delete()
    assert VoteRecord.objects.filter(pk=record.pk, payload=record.payload).exists()
    assert chain_verify().ok


def test_the_command_says_intact_names_the_anchor_and_exits_1_when_altered(held, capsys):
    anchor = published_head(held["listing"])
    call_command("verify_votes", "--anchor", anchor.upper())
    out = capsys.readouterr().out
    count = VoteRecord.objects.count()
    assert out.startswith(f"Vote log intact: {count} records verified, 4 closed votes recounted")
    record = VoteRecord.objects.get(hash=anchor)
    assert f"Published anchor {anchor}: in the chain, record #{record.pk}" in out

    with pytest.raises(CommandError, match=f"Vote log altered: the published anchor {'0' * 64}"):
        call_command("verify_votes", "--anchor", anchor, "--anchor", "0" * 64)
    vote = held["votes"]["secret"]
    closed = vote.records.get(kind="closed")
    SecretBallot.objects.create(vote=vote, choice="for")
    with pytest.raises(SystemExit) as exit:  # as from the shell; it closes the connection
        VerifyVotes().run_from_argv(["manage.py", "verify_votes"])
    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert f"Vote log altered at record #{closed.pk} (vote {vote.pk}, closed)" in err, err


def test_the_key_comes_from_the_setting_a_file_or_a_private_file_made_once(settings, tmp_path):
    settings.SEANCE_VOTE_LOG_KEY = "from-the-environment"
    assert vote_log_key() == b"from-the-environment"
    settings.SEANCE_VOTE_LOG_KEY = ""
    (tmp_path / "key").write_text("from-a-file\n")
    settings.SEANCE_VOTE_LOG_KEY_FILE = str(tmp_path / "key")
    assert vote_log_key() == b"from-a-file"
    settings.SEANCE_VOTE_LOG_KEY_FILE = ""
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    made = vote_log_key()
    path = settings.VAR_DIR / "vote-log.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(made) == 64
    assert vote_log_key() == made and [p.name for p in settings.VAR_DIR.iterdir()] == [path.name]
    body = b"same body"
    assert hmac.new(made, body, hashlib.sha256).hexdigest() != hashlib.sha256(body).hexdigest()
