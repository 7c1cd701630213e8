"""The production topology started as deploy/ ships it (topology.py), and the journeys of
a sitting through it: pages over HTTPS through nginx, a live event crossing from one Daphne
process to another through Redis, a broadcast run by the broadcast worker and played
through nginx's /hls/, and two councillors' video relayed by the shipped coturn to Janus."""

from __future__ import annotations

import json
import re
import socket
import ssl
import time

import psycopg
import pytest
from websockets.sync.client import connect

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

from .conftest import wait_for
from .shipped import DEPLOY, ROOT, exec_argv, read_env_file, unit_sections
from .topology import HOST, SYSTEMD, start_topology

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def celery_queues(unit) -> list[str]:
    argv = dict(unit_sections(unit)["Service"])["ExecStart"].split()
    if "worker" not in argv:
        return []
    assert "-Q" in argv or "--queues" in argv, f"{unit.name}: a worker without -Q"
    flag = "-Q" if "-Q" in argv else "--queues"
    return argv[argv.index(flag) + 1].split(",")


def check_queues(units) -> None:
    """Every queue a unit consumes is one the code sends tasks to, and every such queue
    has a unit: Celery's default queue (e-mails) and the broadcast queue."""
    from django.conf import settings

    from council.celery import app

    routed = {app.conf.task_default_queue, settings.SEANCE_BROADCAST_QUEUE}
    routes = app.conf.task_routes or {}
    routed |= {r["queue"] for r in (routes.values() if isinstance(routes, dict) else [])}
    consumed = {q for unit in units for q in celery_queues(unit)}
    assert consumed == routed, f"units consume {consumed}, the code routes to {routed}"


def test_units_consume_the_queues_the_code_routes_to():
    check_queues(SYSTEMD.glob("*.service"))
    broadcast = SYSTEMD / "seance-broadcast.service"
    argv = dict(unit_sections(broadcast)["Service"])["ExecStart"].split()
    assert argv[argv.index("--pool") + 1] == "threads"


@pytest.mark.parametrize(
    ("old", "new", "caught"),
    [
        ("-Q broadcast", "-Q broadcasts", "units consume"),
        ("-Q celery", "-Q default", "units consume"),
        ("/.venv/bin/celery", "/.venv/bin/celeri", "does not exist"),
        ("--hostname broadcast@%H", "--hostname broadcast@%q", "unknown systemd specifiers"),
        ("--concurrency 4", "--concurrency ${SEANCE_BROADCAST_THREADS}", "does not define"),
    ],
)
def test_a_unit_naming_what_does_not_exist_is_refused(tmp_path, old, new, caught):
    """The checks the topology runs on each unit fail on a wrong queue, binary, specifier
    or variable (a copy of the broadcast and e-mail units, altered)."""
    units = []
    for name in ("seance-broadcast.service", "seance-celery.service"):
        text = (SYSTEMD / name).read_text()
        (tmp_path / name).write_text(text.replace(old, new))
        units.append(tmp_path / name)
    assert any(old in (SYSTEMD / u.name).read_text() for u in units), old
    env = read_env_file(DEPLOY / "production.env.example")
    paths = {"/opt/seance": str(ROOT), "/var/lib/seance": str(tmp_path)}
    with pytest.raises(AssertionError, match=caught):
        check_queues(units)
        for unit in units:
            exec_argv(unit, paths, env)
    # The units as shipped pass the same checks.
    check_queues(SYSTEMD.glob("*.service"))
    for name in ("seance-broadcast.service", "seance-celery.service"):
        exec_argv(SYSTEMD / name, paths, env)


def test_environment_file_names_only_variables_the_code_reads():
    shipped = re.findall(
        r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "production.env.example").read_text(), re.M
    )
    code = "".join(p.read_text() for d in ("council", "sessions", "voting", "streaming")
                   for p in (ROOT / d).rglob("*.py"))  # fmt: skip
    unknown = [name for name in shipped
               if f'"{name}"' not in code and name != "DJANGO_SETTINGS_MODULE"]  # fmt: skip
    assert not unknown, f"production.env.example sets variables nothing reads: {unknown}"


@pytest.fixture(scope="module")
def topology(tmp_path_factory, postgres_url, redis_url):
    started = time.monotonic()
    top = None
    try:
        top = start_topology(tmp_path_factory.mktemp("topology"), postgres_url, redis_url)
        print(f"topology started in {time.monotonic() - started:.0f} s")
        yield top
    finally:
        if top is not None:
            top.stop()


@pytest.fixture(scope="module")
def sitting_id(topology) -> int:
    return int(re.search(r"/chair/sittings/(\d+)/", topology.logins).group(1))


@pytest.fixture(scope="module")
def chromium(topology):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


def logged_in(chromium, topology, username: str):
    # The certificate is the test CA's: urllib checks it (topology.get); Chromium is told
    # to accept it, the rest of TLS is real.
    context = chromium.new_context(ignore_https_errors=True, locale="fr-FR")
    context.set_default_timeout(20_000)
    context.grant_permissions(["camera", "microphone"], origin=topology.base)
    page = context.new_page()
    page.goto(f"{topology.base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "seance-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{topology.base}/")
    return context, page


def test_pages_over_https_through_nginx(topology, sitting_id, chromium):
    status, headers, body = topology.get(f"/sittings/{sitting_id}/")
    assert status == 200, body[:500]
    assert "max-age=63072000" in headers["Strict-Transport-Security"]
    status, headers, _ = topology.get("/static/css/seance.css")
    assert status == 200
    # HTTP is redirected to HTTPS.
    import http.client

    plain = http.client.HTTPConnection("127.0.0.1", topology.http_port, timeout=10)
    plain.request("GET", f"/sittings/{sitting_id}/", headers={"Host": HOST})
    reply = plain.getresponse()
    assert reply.status == 301 and reply.headers["Location"].startswith(f"https://{HOST}")
    context, page = logged_in(chromium, topology, "maire")
    response = page.goto(f"{topology.base}/chair/sittings/{sitting_id}/")
    assert response.status == 200
    page.wait_for_selector("main")
    context.close()


def frames_until(ws, predicate, timeout: float = 30):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        seen.append(frame)
        if predicate(frame):
            return frame
    raise AssertionError(f"no matching frame in {timeout} s; got {[f.get('type') for f in seen]}")


def test_an_event_on_daphne_a_reaches_a_citizen_on_daphne_b(topology, sitting_id, chromium):
    context, page = logged_in(chromium, topology, "maire")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    context.close()
    a, b = topology.daphne_ports
    origin = {"Origin": topology.base}
    chair = connect(f"ws://127.0.0.1:{a}/ws/sittings/{sitting_id}/chair/",
                    additional_headers={**origin, "Cookie": cookie}, open_timeout=30)  # fmt: skip
    citizen = connect(f"ws://127.0.0.1:{b}/ws/sittings/{sitting_id}/public/",
                      additional_headers=origin, open_timeout=30)  # fmt: skip
    tls = ssl.create_default_context()
    topology.ca.configure_trust(tls)
    # And a citizen through nginx's /ws/ over TLS, on whichever process nginx picks.
    try:
        through_nginx = connect(
            f"wss://{HOST}:{topology.https_port}/ws/sittings/{sitting_id}/public/",
            sock=socket.create_connection(("127.0.0.1", topology.https_port)),
            additional_headers=origin,
            ssl=tls,
            open_timeout=30,
        )
    except TimeoutError as exc:  # seen once on a fresh machine: say where it stopped
        logs = sorted(p.stem for p in topology.log("x").parent.glob("*.log"))
        tails = "\n".join(f"--- {name}\n{topology.tail(name, 15)}" for name in logs)
        raise AssertionError(f"no websocket handshake through nginx in 30 s\n{tails}") from exc
    try:
        snapshot = frames_until(chair, lambda f: f.get("type") == "sittings.snapshot")
        before = frames_until(citizen, lambda f: f.get("type") == "sittings.snapshot")
        frames_until(through_nginx, lambda f: f.get("type") == "sittings.snapshot")
        present = before["state"]["attendance"]["present"]
        absent = next(m for m in snapshot["state"]["members"] if not m["present"])
        chair.send(json.dumps({"action": "attendance", "member": absent["id"],
                               "kind": "arrival", "ref": "a1"}))  # fmt: skip
        frames_until(chair, lambda f: f.get("type") == "ack" and f.get("ref") == "a1")

        def arrived(frame) -> bool:
            state = frame.get("state") or {}
            return (
                frame.get("type") == "sittings.attendance_changed"
                and state.get("attendance", {}).get("present") == present + 1
            )

        # Published by process A (the chair's), received by process B's citizen: Redis.
        frames_until(citizen, arrived)
        frames_until(through_nginx, arrived)
    finally:
        for ws in (chair, citizen, through_nginx):
            ws.close()


def test_a_broadcast_runs_on_the_broadcast_worker_and_plays_through_nginx(
    topology, sitting_id, chromium, postgres_url
):
    context, page = logged_in(chromium, topology, "regie")
    page.goto(f"{topology.base}/broadcast/sittings/{sitting_id}/")
    page.click("button[name=action][value=start]")
    try:

        def master() -> bytes | None:
            topology.alive("seance-broadcast")
            status, _, body = topology.get(f"/hls/{sitting_id}/master.m3u8")
            return body if status == 200 and b"#EXT-X-STREAM-INF" in body else None

        playlist = wait_for(master, 120, "the master playlist through nginx /hls/")
        variant = next(line for line in playlist.decode().splitlines()
                       if line and not line.startswith("#"))  # fmt: skip

        def segment() -> tuple[bytes, dict]:
            status, headers, body = topology.get(f"/hls/{sitting_id}/{variant}")
            names = [x for x in body.decode().splitlines() if x.endswith(".m4s")]
            if status != 200 or not names:
                return None
            status, headers, data = topology.get(
                f"/hls/{sitting_id}/{variant.rsplit('/', 1)[0]}/{names[-1]}"
                if "/" in variant
                else f"/hls/{sitting_id}/{names[-1]}"
            )
            return (data, headers) if status == 200 and data else None

        data, headers = wait_for(segment, 60, "a media segment through nginx /hls/")
        assert b"moof" in data[:4096]  # fMP4
        assert "immutable" in headers["Cache-Control"]
        assert headers["Access-Control-Allow-Origin"] == "*"
        # The runner is the broadcast worker's, nobody else's.
        with psycopg.connect(postgres_url) as conn:
            (worker,) = conn.execute(
                "SELECT worker FROM streaming_broadcast WHERE sitting_id = %s", [sitting_id]
            ).fetchone()
        assert str(topology.procs["seance-broadcast"].pid) in worker, worker
        received = "Task streaming.tasks.run_broadcast["
        assert received in topology.log("seance-broadcast").read_text()
        assert received not in topology.log("seance-celery").read_text()
    finally:
        page.click("button[name=action][value=stop]")
        context.close()


FORCE_RELAY = """(() => {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config) {
    return new Native({ ...(config || {}), iceTransportPolicy: "relay" });
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();"""

SELECTED = """async () => {
  const out = [];
  for (const pc of [window.visio.publisher, ...Object.values(window.visio.feeds)]) {
    if (!pc) continue;
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type === "candidate-pair" && s.state === "succeeded" && s.nominated) {
        const local = stats.get(s.localCandidateId);
        out.push(local.candidateType);
      }
    });
  }
  return out;
}"""


STATES = """() => JSON.stringify({
  publisher: window.visio.publisher && [window.visio.publisher.connectionState,
    window.visio.publisher.iceConnectionState],
  feeds: Object.fromEntries(Object.entries(window.visio.feeds).map(
    ([k, pc]) => [k, [pc.connectionState, pc.iceConnectionState, pc.signalingState]])),
  status: document.getElementById("visio-status").textContent,
  error: document.getElementById("visio-error").textContent,
})"""


def test_councillors_video_relayed_by_the_shipped_coturn(topology, sitting_id, chromium):
    pages = []
    try:
        for username in ("conseiller01", "conseiller02"):
            context, page = logged_in(chromium, topology, username)
            context.add_init_script(FORCE_RELAY)
            page.goto(f"{topology.base}/visio/sittings/{sitting_id}/")
            page.on("console", lambda m, u=username: print(u, "console:", m.text))  # in -s
            page.click("#visio-join-button")
            pages.append((context, page))
        for _, page in pages:
            try:
                page.wait_for_function(
                    # A function, not an expression: the page's CSP refuses eval.
                    "() => [...document.querySelectorAll('.visio-tile:not(.self) video')]"
                    ".some(v => v.videoWidth > 0)",
                    timeout=90_000,
                )
            except Exception:
                raise AssertionError(
                    f"no video from the other: {page.evaluate(STATES)}\n"
                    f"Janus: {topology.tail('janus', 15)}"
                ) from None
            kinds = page.evaluate(SELECTED)
            assert kinds and set(kinds) == {"relay"}, kinds
            servers = page.evaluate("window.visio.iceServers")
            assert servers[0]["username"].split(":")[1].endswith(f"-{sitting_id}")
        # One meeting, one process: nginx pinned both video sockets to the same Daphne.
        holders = [port for port in topology.daphne_ports
                   if f"WSCONNECT /ws/sittings/{sitting_id}/visio/" in
                   topology.log(f"daphne-{port}").read_text()]  # fmt: skip
        assert len(holders) == 1, f"the sitting's video sockets went to Daphne {holders}"
        html = pages[0][1].content()
        assert "credential" not in html and topology.env["SEANCE_TURN_SECRET"] not in html
    finally:
        for context, _ in pages:
            context.close()
