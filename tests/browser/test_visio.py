"""Two councillors join the sitting's video by browser (real Chromium, fake camera and
microphone) through the embedded relay: each receives the other's picture and sound;
the chair closes a microphone and its sound stops reaching the other; presence follows
the connection."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from sessions.models import AttendanceEvent
from sessions.services import media_sweep
from tests import factories as f
from tests.streaming.media import wait_for

from .conftest import off_loop, shoot
from .pages import joined, login

pytestmark = [pytest.mark.browser]

RECEIVED = """async () => {
  const out = {};
  for (const [feed, pc] of Object.entries(window.visio.feeds)) {
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type === "inbound-rtp") out[feed + ":" + s.kind] = {
        bytes: s.bytesReceived, energy: s.totalAudioEnergy || 0, frames: s.framesDecoded || 0 };
    });
  }
  return out;
}"""


def audio_packets_sent(page) -> int:
    return int(
        page.evaluate(
            """async () => {
              let sent = 0;
              (await window.visio.publisher.getStats()).forEach((s) => {
                if (s.type === "outbound-rtp" && s.kind === "audio") sent += s.packetsSent;
              });
              return sent;
            }"""
        )
    )


def audio_packet_rate(page, seconds: float = 3.0) -> float:
    """Audio packets a second that the page's microphone sends."""
    start = audio_packets_sent(page)
    time.sleep(seconds)
    return (audio_packets_sent(page) - start) / seconds


def other_feed(page) -> dict:
    """The stats of the one remote feed, once its picture is decoded."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.visio-tile:not(.self) video')]"
        ".some(v => v.videoWidth > 0)",
        timeout=30_000,
    )
    stats = page.evaluate(RECEIVED)
    # Before the first packet of a feed's sound arrives its stats have no audio entry yet:
    # nothing received so far (Janus forwards a closed microphone's sound to nobody).
    feed = {"audio": {"bytes": 0, "energy": 0.0, "frames": 0}}
    feed.update({kind.split(":")[1]: value for kind, value in stats.items()})
    return feed


def heard_nothing_for(page, seconds: float, within: float) -> bool:
    """The remote sound's energy stops growing for `seconds`, within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        start = other_feed(page)["audio"]["energy"]
        time.sleep(seconds)
        if other_feed(page)["audio"]["energy"] - start < 1e-4:
            return True
    return False


def test_two_councillors_see_and_hear_each_other(backend, settings, live_url, media_browser):
    settings.SEANCE_MEDIA_GRACE_SECONDS = 1

    def prepare():
        a = f.assembly(members=5, population=1_000)
        s = f.convened(a)
        return s, f.chair(a), f.councillors(a)[0]

    sitting, chair, councillor = off_loop(prepare)
    mayor = joined(media_browser, live_url, chair.user.username, sitting.id)
    member = joined(media_browser, live_url, councillor.user.username, sitting.id)
    # A councillor comes in with the microphone closed, and may ask for the floor; the
    # chair may ask them to open it, which they accept.
    expect(member.locator("#visio-status")).to_have_text(
        "Connecté, micro fermé : le président vous donnera la parole."
    )
    expect(member.locator("#visio-hand")).to_have_text("Demander la parole")
    # Usable once the presence by video is recorded (media flowing), said until then.
    expect(member.locator("#visio-hand")).to_be_enabled(timeout=20_000)
    expect(member.locator("#visio-hand-wait")).to_be_hidden()
    expect(mayor.locator("#visio-hand")).to_be_hidden()
    if backend == "janus":
        # Janus asks for Opus DTX: a closed microphone sends a packet every 400 ms or so,
        # not 50 a second (what an open one sends while its fake microphone beeps).
        wait_for(lambda: audio_packets_sent(member) > 0, timeout=10)
        closed = audio_packet_rate(member)
        assert closed < 10, closed  # Chromium sent 6 a second here
    mayor.locator(f"li[data-member='{councillor.id}'] button[data-action='ask_unmute']").click()
    member.click("#visio-unmute-accept")
    expect(member.locator("#visio-unmute-request")).to_be_hidden()
    before = {"mayor": other_feed(mayor), "member": other_feed(member)}
    if backend == "janus":
        assert audio_packet_rate(member) > 20  # open: its beeps and the gaps between
    # Pictures keep coming (a simulcast thumbnail may start slowly while the sender's
    # bandwidth estimate grows), and so does the sound.
    for who, page in (("mayor", mayor), ("member", member)):
        start = before[who]["video"]["frames"]
        wait_for(lambda p=page, n=start: other_feed(p)["video"]["frames"] > n + 20, timeout=10)
    after = {"mayor": other_feed(mayor), "member": other_feed(member)}
    for who in ("mayor", "member"):
        assert after[who]["audio"]["bytes"] > before[who]["audio"]["bytes"]
        assert after[who]["audio"]["energy"] > before[who]["audio"]["energy"]
    shoot(mayor, f"visio-two-councillors-{backend}")

    # Presence: both arrived by video.
    modes = off_loop(
        lambda: sorted(AttendanceEvent.objects.filter(sitting=sitting).values_list("kind", "mode"))
    )
    assert modes == [("arrival", "remote"), ("arrival", "remote")]

    # The chair closes the councillor's microphone: the sound stops reaching the mayor.
    mayor.locator(f"li[data-member='{councillor.id}'] button[data-action='mute']").click()
    expect(member.locator("#visio-status")).to_have_text("Le président a fermé votre micro.")
    # The relay sends silence, Janus stops forwarding the microphone: nothing heard
    # (within what the receiving browser had buffered), while the picture goes on.
    frames_from = other_feed(mayor)["video"]["frames"]
    assert heard_nothing_for(mayor, seconds=2, within=10)
    assert other_feed(mayor)["video"]["frames"] > frames_from + 20

    # The chair asks the councillor to open it again; the councillor accepts: heard again.
    mayor.locator(f"li[data-member='{councillor.id}'] button[data-action='ask_unmute']").click()
    member.click("#visio-unmute-accept")
    expect(member.locator("#visio-unmute-request")).to_be_hidden()
    energy = other_feed(mayor)["audio"]["energy"]
    wait_for(lambda: other_feed(mayor)["audio"]["energy"] > energy + 1e-3, timeout=10)

    if backend == "janus":
        # The mayor's receiving connection dies (its DTLS closed, as when a link breaks):
        # Janus hangs the subscription up, the server makes a new one, and the mayor sees
        # and hears the councillor again without doing anything.
        dead = mayor.evaluate("window.visio.feeds.room.close() || 1")
        assert dead
        wait_for(
            lambda: mayor.evaluate(
                "window.visio.feeds.room && window.visio.feeds.room.connectionState === 'connected'"
            ),
            timeout=30,
        )
        frames = other_feed(mayor)["video"]["frames"]
        wait_for(lambda: other_feed(mayor)["video"]["frames"] > frames + 20, timeout=15)

    # The councillor's connection drops: a departure after the grace period.
    member.context.close()
    time.sleep(2.5)
    departures = off_loop(media_sweep)
    assert [(e.member_id, e.kind) for e in departures] == [(councillor.id, "departure")]
    mayor.context.close()


def test_signalling_refuses_bad_input(live_url, media_browser):
    def prepare():
        a = f.assembly(members=3, population=1_000)
        other = f.assembly(members=3, population=1_000)
        return f.convened(a), f.councillors(a)[0], f.convened(other)

    sitting, councillor, foreign = off_loop(prepare)
    context = media_browser.new_context(locale="fr-FR")
    page = context.new_page()
    login(page, live_url, councillor.user.username)
    page.goto(f"{live_url}/visio/sittings/{sitting.id}/")
    replies = page.evaluate(
        """async ([url, foreign]) => {
          const talk = (address, messages) => new Promise((resolve) => {
            const ws = new WebSocket(address), out = [];
            ws.onmessage = (e) => out.push(JSON.parse(e.data));
            const text = (m) => (typeof m === "string" ? m : JSON.stringify(m));
            ws.onopen = () => messages.forEach((m) => ws.send(text(m)));
            ws.onclose = () => resolve(out);
            setTimeout(() => { ws.close(); resolve(out); }, 1500);
          });
          return {
            own: await talk(url, [
              {action: "publish", sdp: "v=0"},
              {action: "join"},
              {action: "join"},
              {action: "publish", sdp: "not an sdp"},
              {action: "publish", sdp: "v=0\\r\\n" + "a=x\\r\\n".repeat(60000)},
              {action: "answer", feed: "forged", sdp: "v=0"},
              {action: "unmute"},
              {action: "programme"},
              {action: "mute", member: 1},
              "{not json",
            ]),
            other: await talk(foreign, []),
          };
        }""",
        [
            live_url.replace("http", "ws") + f"/ws/sittings/{sitting.id}/visio/",
            live_url.replace("http", "ws") + f"/ws/sittings/{foreign.id}/visio/",
        ],
    )
    codes = [m.get("code") for m in replies["own"] if m["type"] == "error"]
    assert codes == [
        "not_joined",
        "already_joined",
        "invalid_sdp",
        "invalid_frame",
        "unknown_feed",
        "not_asked",
        "no_programme",
        "forbidden",
        "invalid_json",
    ]
    assert replies["other"][0]["type"] == "error" and replies["other"][0]["code"] == "forbidden"
    context.close()
