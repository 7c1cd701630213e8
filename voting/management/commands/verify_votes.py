"""Verify the vote log (R31): its HMAC chain, its head, every vote recounted from the
stored ballots, and the anchors published in the minutes and lists of deliberations.

Exits 0 with "Vote log intact: …", or 1 with "Vote log altered …: <reason>." on stderr.

With `--against <PDF file or http(s) URL of a published act, or its accessible page>`, the
hashes the act prints are the anchors, and the answer (in French, `--lang en` for English)
names the sitting and the head: exit 0 intact, 1 the log departs from the act, 3 the input
could not be read as a published act."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from voting.published import FETCH_TIMEOUT, AgainstReport, Unreadable, act_read, act_verify
from voting.verify import ChainReport, chain_verify

MISMATCH, UNREADABLE = 1, 3


def _where(report: ChainReport) -> str:
    bad = report.first_bad
    if bad is not None:
        return f" at record #{bad.pk} (vote {bad.vote_id}, {bad.kind})"
    return f" (vote {report.vote_id})" if report.vote_id is not None else ""


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident vote log: every record's HMAC, the chain's head, every "
        "vote's tallies recounted from its ballots, and any --anchor published outside."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="HASH",
            help="a vote log hash printed in published minutes or a list of deliberations; "
            "it must still be in the chain (repeatable)",
        )
        parser.add_argument(
            "--against",
            metavar="PDF_OR_URL",
            help="a published act (minutes, list of deliberations, deliberation): its PDF "
            "file, or the http(s) URL of its PDF or of its accessible page; the hashes it "
            f"prints are checked. Exit 0 intact, {MISMATCH} mismatch, {UNREADABLE} unreadable",
        )
        parser.add_argument(
            "--sitting", type=int, help="with --against: the act must be of this sitting"
        )
        parser.add_argument("--timeout", type=float, default=FETCH_TIMEOUT, help="seconds")
        parser.add_argument("--lang", choices=["fr", "en"], help="language of the answer")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["against"]:
            with translation.override(options["lang"] or settings.LANGUAGE_CODE):
                return self._against(options)
        report = chain_verify(anchors=options["anchor"])
        if not report.ok:
            raise CommandError(f"Vote log altered{_where(report)}: {report.reason}.")
        legacy = f", {report.legacy} of them from before the key (SHA-256 only)"
        self.stdout.write(
            f"Vote log intact: {report.checked} records verified"
            f"{legacy if report.legacy else ''}, {report.recounted} closed votes recounted "
            f"from their ballots; head {report.head}."
        )
        for anchor, record in report.anchors.items():
            assert record is not None
            self.stdout.write(
                f"Published anchor {anchor}: in the chain, record #{record.pk} "
                f"(vote {record.vote_id}, {record.kind})."
            )

    def _against(self, options: dict[str, Any]) -> None:
        """R31: a published act's hashes against the chain recomputed."""
        source = options["against"]
        try:
            act = act_read(source, timeout=options["timeout"])
        except Unreadable as exc:
            raise CommandError(
                _("Unreadable input: %(why)s") % {"why": exc}, returncode=UNREADABLE
            ) from exc
        report = act_verify(act, sitting_id=options["sitting"])
        for line in _describe(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                _("Vote log NOT in agreement with the published act: %(why)s.")
                % {"why": report.problem}
                + (_diverges(report) if report.diverged else ""),
                returncode=MISMATCH,
            )
        self.stdout.write(
            _(
                "Vote log intact against the published act: %(n)s records verified, "
                "%(votes)s closed votes recounted; the published head is the sitting's head."
            )
            % {"n": report.chain.checked, "votes": report.chain.recounted}
        )


def _describe(report: AgainstReport) -> list[str]:
    act, sitting = report.act, report.sitting
    lines = [
        _("Published act: %(src)s (SHA-256 %(sha)s).") % {"src": act.source, "sha": act.sha256}
    ]
    if sitting is not None:
        lines.append(
            _("Sitting %(id)s: %(title)s, %(assembly)s.")
            % {"id": sitting.pk, "title": sitting.title, "assembly": sitting.assembly.name}
        )
    else:
        lines.append(_("Sitting: none of this server's sittings has this act or its hashes."))
    if act.head:
        lines.append(_("Published head: %(head)s.") % {"head": act.head})
        lines.append(
            _("Head of the sitting in the log: %(head)s.") % {"head": report.head_now or "—"}
        )
    for digest in act.closes:
        lines.append(_("Published hash of a vote's close: %(h)s.") % {"h": digest})
    return lines


def _diverges(report: AgainstReport) -> str:
    bad, good = report.chain.first_bad, report.last_good
    where = ""
    if bad is not None:
        where += " " + _("The chain breaks at record #%(id)s (vote %(vote)s, %(kind)s).") % {
            "id": bad.pk,
            "vote": bad.vote_id,
            "kind": bad.kind,
        }
    if good is not None:
        where += " " + _(
            "The log agrees with the act up to record #%(id)s (vote %(vote)s, %(kind)s)."
        ) % {"id": good.pk, "vote": good.vote_id, "kind": good.kind}
    elif report.act.anchors:
        where += " " + _("None of the act's hashes is in the log.")
    return where
