"""Uploads left behind (issue 14): a refused written proxy, or a refused document, leaves
the media folder exactly as it was and no row; a transaction that rolls back after the
file was written takes the file with it; an accepted proxy stores exactly one file."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from sessions import services
from sessions.errors import ProxyRefused
from sessions.models import Document, Proxy, ProxyCover, Sitting
from sessions.services.files import files_undone_on_failure
from tests import factories as f

pytestmark = pytest.mark.django_db


def media() -> dict[str, bytes | None]:
    """Every file (with its content) and folder under MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def scanned(text: str = "Pouvoir signé") -> SimpleUploadedFile:
    return SimpleUploadedFile("pouvoir.pdf", f.pdf_bytes(text), content_type="application/pdf")


@pytest.fixture
def council():
    a = f.assembly(members=8, population=1_000)
    s = f.convened(a, notes=False)
    return a, s, list(a.members.order_by("id").select_related("user"))


def give(client, sitting, grantor, holder_id, document, sittings=None):
    client.force_login(grantor.user)
    return client.post(
        f"/seat/sittings/{sitting.id}/proxy/",
        {"holder": holder_id, "sittings": sittings or [sitting.id], "document": document},
        follow=True,
    )


def refused(response) -> None:
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


REFUSALS = [
    "not_a_pdf",
    "damaged_pdf",
    "empty",
    "too_big",
    "self_proxy",
    "holder_has_proxy",
    "grantor_has_proxy",
    "too_many_sittings",
    "sitting_closed",
    "not_consecutive",
]


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refused_written_proxy_leaves_no_file_and_no_row(client, council, settings, refusal):
    a, s, m = council
    grantor, holder, sittings, document = m[2], m[3].id, None, scanned()
    if refusal == "not_a_pdf":
        document = SimpleUploadedFile("pouvoir.pdf", b"MZ\x90\x00" + b"x" * 5000)
    elif refusal == "damaged_pdf":
        document = SimpleUploadedFile("pouvoir.pdf", b"%PDF-1.7\n" + b"\x00" * 5000)
    elif refusal == "empty":
        document = SimpleUploadedFile("pouvoir.pdf", b"")
    elif refusal == "too_big":
        settings.SEANCE_MAX_UPLOAD_BYTES = 500
        assert document.size > 500
    elif refusal == "self_proxy":
        holder = grantor.id
    elif refusal == "holder_has_proxy":  # the audit's case: 3 refusals had left 6.3 MB
        services.proxy_grant(grantor=m[4], holder=m[3], sittings=[s], user=None)
    elif refusal == "grantor_has_proxy":
        services.proxy_grant(grantor=grantor, holder=m[5], sittings=[s], user=None)
    elif refusal == "too_many_sittings":
        later = [f.convened(a, days=10 + d, items=1, notes=False) for d in (1, 2, 3)]
        sittings = [s.id, *(x.id for x in later)]
    elif refusal == "sitting_closed":
        Sitting.objects.filter(pk=s.pk).update(state=Sitting.State.CLOSED)
    elif refusal == "not_consecutive":
        between = f.convened(a, days=11, items=1, notes=False)
        after = f.convened(a, days=12, items=1, notes=False)
        assert between.starts_at < after.starts_at
        sittings = [s.id, after.id]
    before, rows = media(), Proxy.objects.count()

    response = give(client, s, grantor, holder, document, sittings)

    refused(response)
    assert Proxy.objects.count() == rows
    assert media() == before


def test_an_accepted_written_proxy_stores_exactly_one_file(client, council):
    a, s, m = council
    before = media()
    content = f.pdf_bytes("Pouvoir signé")
    document = SimpleUploadedFile("pouvoir.pdf", content, content_type="application/pdf")
    response = give(client, s, m[2], m[3].id, document)
    assert response.status_code == 200
    proxy = Proxy.objects.get(grantor=m[2])
    added = {k: v for k, v in media().items() if k not in before and v is not None}
    assert list(added) == [proxy.document.name]
    assert added[proxy.document.name] == content


def test_a_transaction_rolled_back_after_the_write_takes_the_file_with_it(council):
    """A caller's transaction that fails after the proxy (and its file) were written, as
    a loader writing many rows at once: no row, no file, no folder left."""
    a, s, m = council
    before = media()

    class Interrupted(Exception):
        pass

    with pytest.raises(Interrupted), files_undone_on_failure(), transaction.atomic():
        proxy = services.proxy_grant(
            grantor=m[2], holder=m[3], sittings=[s], user=None, document=scanned()
        )
        generated = services.proxy_grant(grantor=m[4], holder=m[5], sittings=[s], user=None)
        assert proxy.document.storage.exists(proxy.document.name)
        assert generated.document.storage.exists(generated.document.name)
        raise Interrupted
    assert not Proxy.objects.exists() and not ProxyCover.objects.exists()
    assert media() == before


def test_a_refusal_inside_the_transaction_after_the_write_removes_the_file(council):
    """A proxy refused when its cover is written (the holder was given another one by a
    request that committed in between, caught by the unique constraint): the refusal
    comes after the file was written, and takes it away."""
    a, s, m = council
    before = media()
    with pytest.raises(ProxyRefused), files_undone_on_failure(), transaction.atomic():
        services.proxy_grant(grantor=m[2], holder=m[3], sittings=[s], user=None)
        # The same holder again, in the same transaction: its cover is refused.
        services.proxy_grant(grantor=m[4], holder=m[3], sittings=[s], user=None, document=scanned())
    assert not Proxy.objects.exists()
    assert media() == before


@pytest.fixture
def clerk_item(client):
    a = f.assembly(members=5, population=110_000)
    clerk = f.staff(a)
    client.force_login(clerk)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    return s, s.items.get()


@pytest.mark.parametrize("refusal", ["not_a_pdf", "damaged_pdf", "too_big", "bad_kind", "convened"])
def test_a_refused_document_leaves_no_file_and_no_row(client, clerk_item, settings, refusal):
    s, item = clerk_item
    upload, kind = SimpleUploadedFile("rapport.pdf", f.pdf_bytes()), "report"
    if refusal == "not_a_pdf":
        upload = SimpleUploadedFile("rapport.pdf", b"GIF89a" + b"x" * 5000)
    elif refusal == "damaged_pdf":
        upload = SimpleUploadedFile("rapport.pdf", b"%PDF-1.4\n" + b"\xff" * 5000)
    elif refusal == "too_big":
        settings.SEANCE_MAX_UPLOAD_BYTES = 500
    elif refusal == "bad_kind":
        kind = "invented"
    elif refusal == "convened":
        Sitting.objects.filter(pk=s.pk).update(state=Sitting.State.CONVENED)
    before = media()
    response = client.post(
        f"/clerk/sittings/{s.id}/items/{item.id}/documents/",
        {"kind": kind, "title": "Rapport", "file": upload},
    )
    assert response.status_code in (400, 409)
    assert not Document.objects.exists()
    assert media() == before


# Request bodies are capped before they are read, by the served application (Daphne in a
# process of its own, as bin/demo and the systemd unit run it).

from tests.browser.conftest import live_server_process  # noqa: E402, F401  (the fixture)

BOUNDARY = "seance-test-boundary"


def memory_kib(pid: int, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith(field)).split()[1])


def peak_from_now(pid: int) -> int:
    """The process's resident memory now, from which its peak (VmHWM) is measured again
    (Linux: 5 in clear_refs resets the peak)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return memory_kib(pid, "VmRSS:")


def peak_growth(pid: int, start: int) -> int:
    """How far above `start` the process's memory went, in KiB."""
    return memory_kib(pid, "VmHWM:") - start


def multipart_head(name: str = "document") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="p.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()


def post_raw(port: int, path: str, size: int, *, chunked: bool) -> tuple[str, float]:
    """An anonymous multipart POST of `size` bytes, sent as fast as the server takes
    it; returns the status line and the seconds it took to get it."""
    import socket
    import time

    head, tail = multipart_head(), f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(head) + size + len(tail)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n".encode()
        )
        block = b"%PDF-" + b"\x00" * (1 << 20)

        def send(data: bytes) -> None:
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

        try:
            send(head)
            for offset in range(0, size, len(block)):
                send(block[: min(len(block), size - offset)])
            send(tail)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and hung up: read its answer
        reply = b""
        while b"\r\n" not in reply:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    return reply.split(b"\r\n", 1)[0].decode(), time.monotonic() - started


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_100_mb_anonymous_post_is_refused_before_it_is_read(live_server_process, chunked):  # noqa: F811
    server = live_server_process[0]
    port = server.port.value
    post_raw(port, "/seat/sittings/1/proxy/", 1_000, chunked=chunked)  # warm up
    before = peak_from_now(server.pid)
    status, seconds = post_raw(port, "/seat/sittings/1/proxy/", 100_000_000, chunked=chunked)
    grown = peak_growth(server.pid, before)
    assert status.split()[:2] == ["HTTP/1.1", "413"], status
    assert seconds < 10, seconds
    assert grown < 5 * 1024, f"the server grew by {grown} KiB"  # it had grown by 1.4 GB


def big_pdf(size: int) -> bytes:
    """A real PDF of about `size` bytes (a page and an attached file)."""
    import io
    import os

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(f.pdf_bytes("Pouvoir signé"))))
    writer.add_attachment("scan.bin", os.urandom(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_legitimate_upload_of_15_mb_still_works(live_server_process, client):  # noqa: F811
    """A councillor's scanned proxy of 15 MB reaches the service through the served app
    and is stored, whole; the server's memory grows by about the body, not twelve times
    it (Twisted no longer parses the form itself)."""
    import http.client

    server = live_server_process[0]
    a = f.assembly(members=6, population=1_000)
    s = f.convened(a, notes=False)
    grantor, holder = f.councillors(a)[1:3]
    client.force_login(grantor.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "a" * 32  # a token of the browser's, the same in the cookie and the form
    pdf = big_pdf(15_000_000)
    fields = {"csrfmiddlewaretoken": csrf, "holder": str(holder.id), "sittings": str(s.id)}
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += multipart_head() + pdf + f"\r\n--{BOUNDARY}--\r\n".encode()
    assert len(body) < settings.SEANCE_MAX_REQUEST_BYTES
    before = peak_from_now(server.pid)
    connection = http.client.HTTPConnection("127.0.0.1", server.port.value, timeout=60)
    connection.request(
        "POST",
        f"/seat/sittings/{s.id}/proxy/",
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={csrf}",
        },
    )
    response = connection.getresponse()
    assert (response.status, response.getheader("Location")) == (302, f"/seat/sittings/{s.id}/")
    grown = peak_growth(server.pid, before)
    proxy = Proxy.objects.get(grantor=grantor, holder=holder)
    with proxy.document.open("rb") as stored:
        assert stored.read() == pdf
    assert grown < 4 * len(body) // 1024, f"the server grew by {grown} KiB"


def test_nginx_caps_bodies_at_the_same_size() -> None:
    """deploy/nginx/seance.conf's client_max_body_size is SEANCE_MAX_REQUEST_BYTES."""
    import re

    conf = (Path(settings.BASE_DIR) / "deploy" / "nginx" / "seance.conf").read_text()
    sizes = set(re.findall(r"^\s*client_max_body_size\s+(\d+)m;", conf, re.M))
    assert sizes == {str(settings.SEANCE_MAX_REQUEST_BYTES // (1024 * 1024))}
    assert settings.SEANCE_MAX_REQUEST_BYTES % (1024 * 1024) == 0


async def drained(app, headers: list[tuple[bytes, bytes]], chunks: list[bytes]):
    """Run `app` on one POST of these body chunks; returns what it sent and how many
    chunks it read."""
    sent: list[dict] = []
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    read = 0

    async def receive() -> dict:
        nonlocal read
        read += 1
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await app(scope, receive, send)
    return sent, read


@pytest.mark.asyncio
async def test_the_asgi_guard_refuses_past_the_cap_under_any_server(settings) -> None:
    """Under a server that streams bodies (not Daphne), the application refuses too: a
    declared length before reading anything, a body without one once it passes the cap."""
    from council.bodylimit import BodyLimit

    settings.SEANCE_MAX_REQUEST_BYTES = 1000
    reached = []

    async def inner(scope, receive, send) -> None:
        while (await receive()).get("more_body"):
            pass
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = BodyLimit(inner)
    sent, read = await drained(app, [(b"content-length", b"5000")], [b"x" * 5000])
    assert (sent[0]["status"], read, reached) == (413, 0, [])
    assert "trop volumineuse" in sent[1]["body"].decode()
    sent, read = await drained(app, [], [b"x" * 400] * 10)
    assert (sent[0]["status"], read, reached) == (413, 3, [])
    sent, read = await drained(app, [(b"content-length", b"800")], [b"x" * 400] * 2)
    assert (sent[0]["status"], reached) == (200, ["/"])
