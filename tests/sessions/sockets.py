"""A websocket of the app opened in a test (as a given user), and the wait for one of its events."""

from __future__ import annotations

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from council.routing import websocket_urlpatterns

app = URLRouter(websocket_urlpatterns)


async def connect(path: str, user=None) -> tuple[WebsocketCommunicator, dict]:
    comm = WebsocketCommunicator(app, path)
    if user is not None:
        comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=5)
    return comm, first


async def until(comm: WebsocketCommunicator, *event_types: str, timeout: float = 5) -> dict:
    """The next message of one of `event_types`, the others skipped."""
    while True:
        message = await comm.receive_json_from(timeout=timeout)
        if message["type"] in event_types:
            return message
