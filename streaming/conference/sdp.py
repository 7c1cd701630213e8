"""SDP as Janus and the browsers exchange it: the mids of a description by kind (Janus
moderates and forwards by m-line), and the Opus DTX wish added to Janus's answers."""

from __future__ import annotations


def sdp_mids(sdp: str) -> dict[str, list[str]]:
    """The mids of an SDP by kind: {"audio": ["0"], "video": ["1"]}."""
    mids: dict[str, list[str]] = {}
    kind = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=mid:") and kind is not None:
            mids.setdefault(kind, []).append(line[6:].strip())
    return mids


def with_opus_dtx(sdp: str) -> str:
    """The description with `usedtx=1` on its Opus formats: the receiver's wish (RFC 7587)
    that the sender use Opus DTX. A browser given it in the answer to its offer sends a
    packet every 400 ms or so while its microphone is silent or closed, instead of 50 a
    second (Janus's own "opus_dtx" room option leaves its answers without it)."""
    lines = sdp.split("\r\n")
    opus = {
        line.split(":", 1)[1].split(" ", 1)[0]
        for line in lines
        if line.startswith("a=rtpmap:") and " opus/" in line.lower()
    }
    out: list[str] = []
    with_fmtp: set[str] = set()
    for line in lines:
        if line.startswith("a=fmtp:"):
            pt, _, params = line[7:].partition(" ")
            if pt in opus:
                with_fmtp.add(pt)
                if "usedtx=" not in params:
                    line = f"a=fmtp:{pt} {params};usedtx=1" if params else f"a=fmtp:{pt} usedtx=1"
        out.append(line)
    for pt in opus - with_fmtp:
        at = next(i for i, line in enumerate(out) if line.startswith(f"a=rtpmap:{pt} "))
        out.insert(at + 1, f"a=fmtp:{pt} usedtx=1")
    return "\r\n".join(out)
