"""The public playlists of a broadcast, published from the mixer's own (RFC 8216): the
media playlists with their discontinuities counted and their segments said independent,
the master with the declared bandwidths and the live captions' rendition."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from streaming.hls import SegmentTally, read_playlist, write_atomically

logger = logging.getLogger(__name__)

# What the mixer's ffmpeg writes: its own playlists under names nobody links to. The
# public ones (`master.m3u8`, `<rendition>/index.m3u8`) are published from them.
MIXER_MASTER = ".mixer-master.m3u8"
MIXER_PLAYLIST = ".mixer.m3u8"
PUBLIC_PLAYLIST = "index.m3u8"
PUBLISH_PERIOD = 0.05
DISCONTINUITY = "#EXT-X-DISCONTINUITY"
INDEPENDENT = "#EXT-X-INDEPENDENT-SEGMENTS"
# Tags that open a segment's lines: the header of a media playlist ends at the first.
SEGMENT_TAGS = ("#EXTINF", DISCONTINUITY + "\n", "#EXT-X-MAP", "#EXT-X-PROGRAM-DATE-TIME")


@dataclass(frozen=True)
class Bandwidth:
    """What the master playlist declares of a variant, in bit/s: the peak segment bit
    rate (BANDWIDTH) and the average one (AVERAGE-BANDWIDTH)."""

    peak: int
    average: int


@dataclass
class MediaPlaylist:
    header: list[str]
    body: list[str]  # every line from the first segment's on, as ffmpeg wrote them
    media_sequence: int
    discontinuity_sequence: int
    discontinuities: set[int]  # the media sequence numbers of segments after a tag

    @property
    def segments(self) -> int:
        return sum(1 for line in self.body if line and not line.startswith("#"))

    def entries(self) -> Iterator[tuple[int, str, float]]:
        """Each segment's media sequence number, URI and duration (its EXTINF)."""
        number, duration = self.media_sequence, 0.0
        for line in self.body:
            if line.startswith("#EXTINF:"):
                duration = float(line[len("#EXTINF:") :].split(",")[0])
            elif line and not line.startswith("#"):
                yield number, line, duration
                number += 1

    @classmethod
    def parse(cls, text: str) -> MediaPlaylist:
        lines = [line for line in text.splitlines() if line.strip()]
        start = next(
            (i for i, line in enumerate(lines) if (line + "\n").startswith(SEGMENT_TAGS)),
            len(lines),
        )
        header, body = lines[:start], lines[start:]
        msn = _tag_number(header, "#EXT-X-MEDIA-SEQUENCE:")
        discontinuities, number, pending = set(), msn, False
        for line in body:
            if line == DISCONTINUITY:
                pending = True
            elif not line.startswith("#"):
                if pending:
                    discontinuities.add(number)
                number, pending = number + 1, False
        dsn = _tag_number(header, "#EXT-X-DISCONTINUITY-SEQUENCE:")
        return cls(header, body, msn, dsn, discontinuities)


def _tag_number(lines: list[str], tag: str) -> int:
    found = next((line for line in lines if line.startswith(tag)), None)
    return int(found[len(tag) :]) if found else 0


class PlaylistPublisher:
    """Publishes the mixer's playlists as the public ones, by RFC 8216:

    - `EXT-X-DISCONTINUITY-SEQUENCE` (4.3.3.3): ffmpeg's sliding window drops the
      `EXT-X-DISCONTINUITY` of a mixer restart with its segment, and never counts it.
      Each publication counts the tags that left the window since the previous one, so a
      player that reloads the playlist still tells which segments follow which restart;
      the count starts again from the public playlist on disk (a worker taking over).
    - `EXT-X-INDEPENDENT-SEGMENTS` (4.3.5.1) in every playlist, master and media: every
      video segment begins on a key frame (a closed GOP of exactly one segment, see
      `outputs.encoder_args`), and every AAC frame stands alone.
    - BANDWIDTH and AVERAGE-BANDWIDTH (4.3.4.2) from the encoders' limits (see
      `outputs.bandwidths`), not ffmpeg's sum of nominal bit rates, which a segment's key
      frame exceeds.

    Each file is replaced whole (`write_atomically`); the master appears only once every
    playlist it lists exists. It runs beside the mixer (the supervisor starts and stops
    it); `end_playlists` ends the public playlists once both have stopped."""

    def __init__(
        self, directory: Path, bandwidths: dict[str, Bandwidth], subtitles: bool = False
    ) -> None:
        self.directory = directory
        self.bandwidths = bandwidths  # by the variant's playlist, e.g. "360p/index.m3u8"
        self.subtitles = subtitles  # the live captions' rendition (transcript.live) listed
        self.tally = SegmentTally()
        self._seen: dict[Path, tuple[int, int, int]] = {}
        self._published: dict[Path, MediaPlaylist] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="hls-publish", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """After the mixer has stopped: its last playlists are published, then nothing."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.publish()

    def _run(self) -> None:
        while not self._stopping.wait(PUBLISH_PERIOD):
            try:
                self.publish()
            except OSError:  # a folder removed under us, a full disk: try again next time
                logger.exception("publishing the playlists of %s", self.directory)

    def publish(self) -> None:
        for raw in sorted(self.directory.glob(f"*/{MIXER_PLAYLIST}")):
            if self._changed(raw):
                self.publish_media(raw, raw.with_name(PUBLIC_PLAYLIST))
        master = self.directory / MIXER_MASTER
        if self._changed(master):
            self.publish_master(master, self.directory / "master.m3u8")

    def _changed(self, path: Path) -> bool:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._seen.get(path) == signature:
            return False
        self._seen[path] = signature
        return True

    def publish_media(self, raw: Path, public: Path) -> None:
        playlist = MediaPlaylist.parse(read_playlist(raw))
        if not playlist.segments:
            return
        before = self._published.get(public)
        if before is None and public.is_file():
            before = MediaPlaylist.parse(read_playlist(public))
        playlist.discontinuity_sequence = discontinuity_sequence(before, playlist)
        if before is not None:  # tags the mixer's own window had already let go
            playlist.discontinuities |= {
                n for n in before.discontinuities if n >= playlist.media_sequence
            }
        write_atomically(public, media_text(playlist))
        self._published[public] = playlist
        self.tally.count(public.parent, playlist.entries())

    def publish_master(self, raw: Path, public: Path) -> None:
        text = read_playlist(raw)
        listed = [line for line in text.splitlines() if line.endswith(".m3u8")]
        listed += re.findall(r'URI="([^"]+)"', text)
        if not text or not all((self.directory / uri).is_file() for uri in listed):
            self._seen.pop(raw, None)  # look again at the next round
            return
        write_atomically(public, master_text(text, self.bandwidths, self.subtitles))


def discontinuity_sequence(before: MediaPlaylist | None, now: MediaPlaylist) -> int:
    """The discontinuity sequence number of the first segment of `now`: that of the
    previous publication's first segment, plus the tags of the segments gone since."""
    if before is None:
        return now.discontinuity_sequence
    known = before.discontinuities | now.discontinuities
    gone = {n for n in known if before.media_sequence <= n < now.media_sequence}
    return before.discontinuity_sequence + len(gone)


def media_text(playlist: MediaPlaylist) -> str:
    header = [
        line
        for line in playlist.header
        if line != INDEPENDENT and not line.startswith("#EXT-X-DISCONTINUITY-SEQUENCE")
    ]
    at = next(
        (i + 1 for i, line in enumerate(header) if line.startswith("#EXT-X-MEDIA-SEQUENCE")),
        len(header),
    )
    header[at:at] = [
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{playlist.discontinuity_sequence}",
        INDEPENDENT,
    ]
    text = "\n".join([*header, *one_tag_per_segment(playlist.body)]) + "\n"
    return text.replace(MIXER_PLAYLIST, PUBLIC_PLAYLIST)


def one_tag_per_segment(body: list[str]) -> list[str]:
    """ffmpeg opens its first run with two `EXT-X-DISCONTINUITY` (before and after the
    `EXT-X-MAP`): one segment, one discontinuity, or players count two."""
    kept, tagged = [], False
    for line in body:
        if line == DISCONTINUITY:
            if tagged:
                continue
            tagged = True
        elif not line.startswith("#"):
            tagged = False
        kept.append(line)
    return kept


# The live captions' rendition (streaming.transcript.live), in French.
SUBTITLES_GROUP = "subs"
SUBTITLES_MEDIA = (
    f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLES_GROUP}",NAME="Français",LANGUAGE="fr",'
    f'DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subtitles/{PUBLIC_PLAYLIST}"'
)


def master_text(text: str, bandwidths: dict[str, Bandwidth], subtitles: bool = False) -> str:
    """ffmpeg's master playlist with the independent segments said, each variant's
    bandwidth as declared in `bandwidths`, and the public playlists' names; with
    `subtitles`, the live captions as a subtitles rendition of every variant (RFC 8216,
    4.3.4.1 and 4.3.4.2: EXT-X-MEDIA TYPE=SUBTITLES, the variants' SUBTITLES attribute)."""
    lines = text.replace(MIXER_PLAYLIST, PUBLIC_PLAYLIST).splitlines()
    lines = [line for line in lines if line != INDEPENDENT]
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("#EXT-X-VERSION")), 1)
    lines.insert(at, INDEPENDENT)
    for i, line in enumerate(lines):
        uri = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("#EXT-X-STREAM-INF:") and uri in bandwidths:
            lines[i] = stream_inf(line, bandwidths[uri])
        if subtitles and lines[i].startswith("#EXT-X-STREAM-INF:"):
            lines[i] += f',SUBTITLES="{SUBTITLES_GROUP}"'
    if subtitles:
        lines.insert(at + 1, SUBTITLES_MEDIA)
    return "\n".join(lines) + "\n"


def stream_inf(line: str, bandwidth: Bandwidth) -> str:
    attributes = re.sub(r",?(AVERAGE-)?BANDWIDTH=\d+", "", line.split(":", 1)[1]).lstrip(",")
    declared = f"BANDWIDTH={bandwidth.peak},AVERAGE-BANDWIDTH={bandwidth.average}"
    return f"#EXT-X-STREAM-INF:{declared}" + (f",{attributes}" if attributes else "")
