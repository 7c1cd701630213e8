"""Request bodies are capped before they are read (issue 14: an anonymous 100 MB multipart
POST made Daphne hold 1.4 GB of memory).

The cap is SEANCE_MAX_REQUEST_BYTES: the largest legitimate body, a written proxy or an
item's document (SEANCE_MAX_UPLOAD_BYTES) with its form around it. nginx refuses larger
bodies first (client_max_body_size, deploy/nginx/seance.conf); this is the same refusal in
the Daphne processes, which a client on the server itself reaches directly, and in the
embedded set-up (bin/demo) where Daphne faces the browsers.

Two guards, because Daphne only calls the application once the whole body has arrived
(Twisted gathers it, then Daphne queues all of it in memory at once): `guard_daphne()`
replaces Daphne's request class with one that answers 413 as soon as the declared length
(Content-Length) or the bytes received so far (a chunked body) pass the cap, and drops
the rest unread, and that does not let Twisted parse a multipart body in memory on its
own (which it did for nothing: Daphne hands Django the raw body); `BodyLimit`, the ASGI
middleware, refuses the same bodies under any other ASGI server (one that streams the
body as it comes)."""

from __future__ import annotations

from typing import Any, cast

from daphne import http_protocol
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

Scope = dict[str, Any]
Receive = Any
Send = Any

# After the 413, what the client still sends is read and dropped for this long at most (a
# client still sending would otherwise get a reset instead of the answer): nginx's
# lingering close.
LINGER_SECONDS = 10.0


def cap() -> int:
    return int(settings.SEANCE_MAX_REQUEST_BYTES)


def refusal() -> bytes:
    """The 413's text, in the site's language (no request, hence no chosen language, yet)."""
    with translation.override(settings.LANGUAGE_CODE):
        return (
            _("The request is too large: at most %(mb)s MB are accepted.")
            % {"mb": round(cap() / 1e6)}
        ).encode()


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a declared length past the cap is refused before anything is
    read; a body without one is counted as it comes and refused once past the cap."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = cap()
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.strip().isdigit() and declared.isascii() and int(declared) > limit:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = refusal()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def guard_daphne() -> None:
    """Daphne's requests refuse a body past the cap while it arrives (once per process)."""
    if getattr(http_protocol.WebRequest, "body_capped", False):
        return
    http_protocol.WebRequest = CappedRequest


class CappedRequest(http_protocol.WebRequest):  # type: ignore[misc]  # Daphne has no types
    """Daphne's request, refusing a body past the cap before Twisted stores it."""

    body_capped = True
    refused = False
    received = 0
    linger: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Twisted would parse a multipart body itself (into `args`, which Daphne never
        # reads) with the e-mail parser, in memory: twelve times the body's size, the
        # 1.4 GB of a 100 MB POST. Django parses it, streaming.
        self._parsePOSTFormSubmission = False

    def gotLength(self, length: int | None) -> None:
        super().gotLength(length)
        if length is not None and length > cap():
            self.refuse()

    def handleContentChunk(self, data: bytes) -> None:
        if self.refused:
            return  # dropped unread
        self.received += len(data)
        if self.received > cap():
            self.refuse()
            return
        super().handleContentChunk(data)

    def refuse(self) -> None:
        # Importing Twisted's reactor installs one: Daphne installs its own (asyncio's)
        # when it starts, after this module is imported; the reactor is taken once running.
        from twisted.internet import reactor

        self.refused = True
        # No "100 Continue": a client that waits for it sends no body at all.
        self.requestHeaders.removeHeader(b"expect")
        body = refusal()
        head = (
            "HTTP/1.1 413 Content Too Large\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.channel.transport.write(head.encode() + body)
        content: Any = getattr(self, "content", None)
        if content is not None:
            content.close()
        self.content = _Nowhere()
        self.linger = cast(Any, reactor).callLater(LINGER_SECONDS, self.hang_up)

    def process(self) -> Any:
        if self.refused:  # the whole refused body has come and gone
            self.hang_up()
            return None
        return super().process()

    def hang_up(self) -> None:
        if self.linger is not None and self.linger.active():
            self.linger.cancel()
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.loseConnection()


class _Nowhere:
    """A refused body's content: nothing kept."""

    closed = True

    def write(self, data: bytes) -> None:
        pass

    def seek(self, *args: Any) -> int:
        return 0

    def read(self, *args: Any) -> bytes:
        return b""

    def close(self) -> None:
        pass
