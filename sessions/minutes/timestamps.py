"""RFC 3161 timestamps of the published acts (R31, optional): proof, from an authority
outside the server, that an act's PDF existed with its SHA-256 at a given time.

When `SEANCE_TSA_URL` names a timestamping authority, each act put online is "pending"
until a job asks it for a timestamp of the PDF's SHA-256 (a TimeStampReq over HTTP,
RFC 3161 section 3.4) and stores its answer, verified against `SEANCE_TSA_CA_FILE`, with
the Publication; the job retries while the authority is down, and publication never waits
for it. The archive offers the answer (.tsr) beside the act; `verify_timestamps` checks
each stored one against the PDF's bytes, as anyone can with `openssl ts -verify`.

The ASN.1 is left to OpenSSL's `openssl ts` (Debian's openssl, in bin/debian-packages.txt),
the tool anyone checking an act would use, rather than a Python library: rfc3161ng is a
small client on pyasn1, pyasn1-modules, requests and dateutil that itself points to
`openssl ts -verify`; asn1crypto parses TSP but verifies no CMS signature; the
`cryptography` package has no TSP support.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from council.jobs import enqueue_on_commit

from ..models import Publication

REPLY_LIMIT = 1024 * 1024  # bytes: a timestamp reply is a few kilobytes
# The job that asks the authority (sessions.minutes.tasks), started by name.
TIMESTAMP_JOB = "sessions.minutes.timestamp_act"


class TimestampDeferred(Exception):
    """The authority could not be reached or refused: the act stays pending, retried."""


@dataclass
class Verdict:
    ok: bool
    detail: str


def tsa_configured() -> bool:
    return bool(getattr(settings, "SEANCE_TSA_URL", ""))


def _openssl(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", "ts", *args], input=data, capture_output=True, timeout=30, check=False
    )


def _query(sha256: str, workdir: Path) -> Path:
    """A TimeStampReq for the SHA-256, with a nonce, asking for the authority's certificate."""
    query = workdir / "query.tsq"
    done = _openssl("-query", "-digest", sha256, "-sha256", "-cert", "-out", str(query))
    if done.returncode != 0:
        raise TimestampDeferred(f"openssl ts -query: {done.stderr.decode(errors='replace')}")
    return query


def _post(query: bytes) -> bytes:
    request = urllib.request.Request(
        settings.SEANCE_TSA_URL,
        data=query,
        headers={"Content-Type": "application/timestamp-query", "User-Agent": "seance"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SEANCE_TSA_TIMEOUT) as response:
            reply: bytes = response.read(REPLY_LIMIT + 1)
    except urllib.error.HTTPError as exc:
        raise TimestampDeferred(f"the authority answered {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampDeferred(
            f"the authority is unreachable: {getattr(exc, 'reason', exc)}"
        ) from exc
    if len(reply) > REPLY_LIMIT:
        raise TimestampDeferred("the authority's answer is too large")
    return reply


def _verify(reply: Path, *, sha256: str = "", query: Path | None = None) -> Verdict:
    """`openssl ts -verify` of a TimeStampResp: signed by a certificate of the configured
    authority's chain, for this SHA-256 (and this query's nonce)."""
    ca_file = getattr(settings, "SEANCE_TSA_CA_FILE", "")
    if not ca_file:
        return Verdict(False, "SEANCE_TSA_CA_FILE is not set: the authority cannot be checked")
    which = ["-queryfile", str(query)] if query is not None else ["-digest", sha256]
    done = _openssl("-verify", *which, "-in", str(reply), "-CAfile", ca_file)
    out = (done.stdout + done.stderr).decode(errors="replace").strip()
    return Verdict(
        done.returncode == 0 and "Verification: OK" in out, out.splitlines()[-1] if out else ""
    )


def _gen_time(reply: Path) -> datetime.datetime:
    done = _openssl("-reply", "-in", str(reply), "-text")
    text = done.stdout.decode(errors="replace")
    found = re.search(r"^Time stamp: (.+)$", text, re.MULTILINE)
    if done.returncode != 0 or "Status: Granted" not in text or found is None:
        raise TimestampDeferred(f"the authority did not grant the timestamp: {text[:300]}")
    stamp = re.sub(r"\.\d+", "", " ".join(found.group(1).split()))
    at = datetime.datetime.strptime(stamp, "%b %d %H:%M:%S %Y %Z")
    return at.replace(tzinfo=datetime.UTC)


def timestamp_request(*, publication_id: int) -> Publication:
    """R31: ask the authority for the act's timestamp and store it, verified; on failure
    the act stays pending with the reason (the job retries) and TimestampDeferred is raised."""
    publication = Publication.objects.get(pk=publication_id)
    if publication.timestamp_state == "done" or not tsa_configured():
        return publication
    try:
        with tempfile.TemporaryDirectory(prefix="tsa-") as tmp:
            workdir = Path(tmp)
            query = _query(publication.sha256, workdir)
            reply = workdir / "reply.tsr"
            reply.write_bytes(_post(query.read_bytes()))
            at = _gen_time(reply)
            verdict = _verify(reply, query=query)
            if not verdict.ok:
                raise TimestampDeferred(
                    f"the authority's timestamp does not verify: {verdict.detail}"
                )
            token = reply.read_bytes()
    except TimestampDeferred as exc:
        Publication.objects.filter(pk=publication_id).update(
            timestamp_state="pending", timestamp_error=str(exc)[:400]
        )
        raise
    Publication.objects.filter(pk=publication_id).update(
        timestamp=token, timestamp_at=at, timestamp_state="done", timestamp_error=""
    )
    publication.refresh_from_db()
    return publication


def timestamp_pending(publication: Publication) -> None:
    """At publication: the act is pending and its job starts after commit (nothing when no
    authority is configured). The publication never waits for, nor fails with, the TSA."""
    if not tsa_configured():
        return
    publication.timestamp_state = "pending"
    Publication.objects.filter(pk=publication.pk).update(timestamp_state="pending")
    enqueue_on_commit(TIMESTAMP_JOB, publication.pk)


def timestamp_verify(publication: Publication) -> Verdict:
    """The stored timestamp against the PDF's bytes as they are now (their SHA-256)."""
    if not publication.timestamp:
        return Verdict(False, "no timestamp")
    with publication.document.open("rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    with tempfile.TemporaryDirectory(prefix="tsa-") as tmp:
        reply = Path(tmp) / "reply.tsr"
        reply.write_bytes(bytes(publication.timestamp))
        return _verify(reply, sha256=sha256)


def timestamps_retry() -> list[Publication]:
    """Every act still pending asked again now (the sweep after a long outage)."""
    done = []
    for pk in Publication.objects.filter(timestamp_state="pending").values_list("pk", flat=True):
        try:
            done.append(timestamp_request(publication_id=pk))
        except TimestampDeferred:
            continue
    return done
