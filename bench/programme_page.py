"""A participant's page watching the room's programme through Janus, in headless Chromium
driven by Playwright: Janus offers the Streaming mountpoint (`ProgrammeWatch.watch`), the
page answers with all its candidates in the SDP, then takes the candidates Janus trickles.

Shared by bench/programme_feed_latency.py (a script: bench/ is on its sys.path) and
tests/streaming/test_programme_feed.py (which imports it as `bench.programme_page`), so
it imports nothing from bench/ and nothing from tests/."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

    from streaming.visio.programme_feed import ProgrammeWatch

# The end of every receiver page: `pc` (the page's RTCPeerConnection, its ontrack set)
# answers `offer`, and the answer is returned once ICE gathering is complete (the browser
# does not trickle).
ANSWER = """
  window.pc = pc;
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise((done) => pc.addEventListener("icegatheringstatechange",
      () => pc.iceGatheringState === "complete" && done()));
  }
  return pc.localDescription.sdp;
"""

CANDIDATES = """async (candidates) => {
  for (const c of candidates) await window.pc.addIceCandidate(c);
  await window.pc.addIceCandidate(null);
}"""


def receiver(setup: str, *params: str) -> str:
    """A page function that takes [offer, *params] and returns the page's answer: `setup`
    makes `pc` and whatever shows or measures what it receives, then ANSWER."""
    return f"async ([{', '.join(('offer', *params))}]) => {{\n{setup.strip(chr(10))}{ANSWER}}}"


async def janus_candidates(watch: ProgrammeWatch) -> list[dict[str, Any]]:
    """Janus trickles all its candidates (full_trickle), then "completed"."""
    candidates: list[dict[str, Any]] = []
    while True:
        event = await watch.next_event(timeout=10)
        if event["janus"] != "trickle":
            continue
        candidate = event["candidate"]
        if candidate.get("completed"):
            return candidates
        candidates.append({k: candidate.get(k) for k in ("candidate", "sdpMid", "sdpMLineIndex")})


async def watch_on(
    page: Page, watch: ProgrammeWatch, page_function: str, *args: Any
) -> tuple[str, str]:
    """The page watches the programme: Janus's offer, the page's answer (`page_function`,
    made by `receiver`, given [offer SDP, *args]), then Janus's candidates. Returns the
    offer's SDP and the answer's; the media flow once Janus says "webrtcup"."""
    offer = await watch.watch()
    answer = await page.evaluate(page_function, [offer["sdp"], *args])
    await watch.start(answer)
    await page.evaluate(CANDIDATES, await janus_candidates(watch))
    return str(offer["sdp"]), str(answer)
