"""Issue 14: the viewer count is what is really connected. A counter decremented on clean
disconnects only stayed inflated after every Daphne crash; now each connection is seen
again by its process while it is open, and one that nobody sees again stops counting."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request

import pytest
import websockets.sync.client
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from council.routing import websocket_urlpatterns
from streaming.audience import connection_seen, ttl, viewers
from tests import factories as f
from tests.browser.conftest import start_daphne


def watched_sitting():
    a = f.assembly(members=3, population=1_000)
    return f.convened(a, notes=False), f.staff(a, role="technician")


def test_connections_never_seen_again_stop_counting_after_the_ttl():
    """Two pages of a process that crashed: registered, never unregistered."""
    sitting_id = 10**9 + os.getpid()  # no real sitting's: the registrations outlive the test
    t0 = time.time()
    connection_seen(sitting_id, "daphne-1.crashed-a", at=t0)
    connection_seen(sitting_id, "daphne-1.crashed-b", at=t0)
    connection_seen(sitting_id, "daphne-2.alive", at=t0)
    assert viewers(sitting_id, now=t0 + 1) == 3
    connection_seen(sitting_id, "daphne-2.alive", at=t0 + ttl() - 1)  # its process beats
    assert viewers(sitting_id, now=t0 + ttl() - 0.5) == 3
    assert viewers(sitting_id, now=t0 + ttl() + 1) == 1
    assert viewers(sitting_id + 1, now=t0 + 1) == 0  # another sitting counts its own
    assert viewers(sitting_id, now=t0 + 2 * ttl()) == 0


def health(client, sitting) -> int:
    response = client.get(f"/broadcast/sittings/{sitting.id}/health.json")
    assert response.status_code == 200
    return response.json()["viewers"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_regie_counts_the_open_public_pages(client):
    sitting, technician = await sync_to_async(watched_sitting)()
    await sync_to_async(client.force_login)(technician)
    app = URLRouter(websocket_urlpatterns)
    pages = [WebsocketCommunicator(app, f"/ws/sittings/{sitting.id}/public/") for _ in range(3)]
    for page in pages:
        assert (await page.connect())[0]
        assert (await page.receive_json_from(timeout=5))["type"] == "sittings.snapshot"
    assert await sync_to_async(health)(client, sitting) == 3
    await pages[0].disconnect()
    assert await sync_to_async(health)(client, sitting) == 2
    for page in pages[1:]:
        await page.disconnect()
    assert await sync_to_async(health)(client, sitting) == 0


@pytest.fixture
def short_ttl(settings):
    """Set before Daphne forks, so that its process beats at this pace too."""
    settings.SEANCE_VIEWER_TTL = 2
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


def eventually(read, expected, within: float) -> None:
    deadline = time.monotonic() + within
    while (value := read()) != expected:
        assert time.monotonic() < deadline, f"still {value}, expected {expected}"
        time.sleep(0.2)


def test_a_killed_server_leaves_no_viewers_behind(short_ttl, transactional_db, client):
    """Three citizens watch through a Daphne that is then killed (-9: no disconnect runs);
    the next server's régie stops counting them within the TTL, and counts a page opened
    since for as long as it stays open, however many TTLs that lasts."""
    sitting, technician = watched_sitting()
    client.force_login(technician)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    servers = [start_daphne()]
    try:

        def count() -> int:
            base = f"http://127.0.0.1:{servers[-1].port.value}"
            url = f"{base}/broadcast/sittings/{sitting.id}/health.json"
            request = urllib.request.Request(url, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)["viewers"]

        def open_page():
            host = f"127.0.0.1:{servers[-1].port.value}"
            ws = websockets.sync.client.connect(
                f"ws://{host}/ws/sittings/{sitting.id}/public/", origin=f"http://{host}"
            )
            assert '"sittings.snapshot"' in str(ws.recv(timeout=10))
            return ws

        citizens = [open_page() for _ in range(3)]
        eventually(count, 3, within=5)
        os.kill(servers[0].pid, signal.SIGKILL)
        servers[0].join(10)
        servers.append(start_daphne())
        eventually(count, 0, within=ttl() + 3)

        late = open_page()
        eventually(count, 1, within=5)
        for _ in range(int(ttl() * 3 / 0.5)):
            time.sleep(0.5)
            assert count() == 1
        late.close()
        eventually(count, 0, within=5)
        for ws in citizens:
            ws.close()
    finally:
        for server in servers:
            if server.is_alive():
                server.terminate()
                server.join(10)
