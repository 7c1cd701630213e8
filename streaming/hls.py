"""Where a sitting's HLS output lives, and what may be served from it."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Only the names the programme writes: playlists and fMP4 init/media segments.
SERVABLE = re.compile(r"^[A-Za-z0-9_-]{1,40}(/[A-Za-z0-9_-]{1,40})?\.(m3u8|m4s|mp4|vtt)$")
logger = logging.getLogger(__name__)
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "vtt": "text/vtt",
}


def hls_dir(sitting_id: int) -> Path:
    return Path(settings.SEANCE_HLS_DIR) / str(sitting_id)


def recording_dir(sitting_id: int) -> Path:
    """The sitting's recording, one MPEG-TS part per run of the mixer (private)."""
    return Path(settings.SEANCE_RECORDING_DIR) / str(sitting_id) / "recording"


def preview_dir(sitting_id: int) -> Path:
    """The technician's previews of each camera (private)."""
    return Path(settings.SEANCE_RECORDING_DIR) / str(sitting_id) / "preview"


def servable(sitting_id: int, name: str) -> Path | None:
    """The file for `name` under the sitting's HLS folder, or None if it may not be served."""
    if not SERVABLE.match(name):
        return None
    path = hls_dir(sitting_id) / name
    return path if path.is_file() else None


def content_type(path: Path) -> str:
    return CONTENT_TYPES[path.suffix.lstrip(".")]


def is_live(sitting_id: int) -> bool:
    return (hls_dir(sitting_id) / "master.m3u8").is_file()


ENDLIST = "#EXT-X-ENDLIST"


def media_playlists(directory: Path) -> list[Path]:
    """The public media playlists under a sitting's HLS folder (`<rendition>/index.m3u8`,
    any other servable playlist that lists segments rather than variants)."""
    found = []
    for path in sorted([*directory.glob("*.m3u8"), *directory.glob("*/*.m3u8")]):
        name = path.relative_to(directory).as_posix()
        if SERVABLE.match(name) and "#EXT-X-STREAM-INF" not in _read(path):
            found.append(path)
    return found


def end_playlists(directory: Path | str) -> None:
    """`EXT-X-ENDLIST` after the last segment of every media playlist of a sitting (RFC
    8216, 4.3.3.4): the broadcast has ended, players stop polling and may seek over the
    whole window. Idempotent. Each playlist is replaced whole (a temporary file renamed
    over it), so a player never reads half of one; call it once the mixer has stopped,
    since a playlist rewritten after it would lose the tag again."""
    for path in media_playlists(Path(directory)):
        text = _read(path)
        if not text or _has_endlist(text):
            continue
        write_atomically(path, text.rstrip("\n") + f"\n{ENDLIST}\n")


def _has_endlist(text: str) -> bool:
    return any(line.strip() == ENDLIST for line in text.splitlines())


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:  # removed meanwhile (a rendition gone)
        return ""


def write_atomically(path: Path, text: str) -> None:
    """`text` as the new content of `path`, all at once for any reader: written beside it
    under a name nobody serves, flushed, then renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
      `graph.encoder_args`), and every AAC frame stands alone.
    - BANDWIDTH and AVERAGE-BANDWIDTH (4.3.4.2) from the encoders' limits (see
      `graph.bandwidths`), not ffmpeg's sum of nominal bit rates, which a segment's key
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
        playlist = MediaPlaylist.parse(_read(raw))
        if not playlist.segments:
            return
        before = self._published.get(public)
        if before is None and public.is_file():
            before = MediaPlaylist.parse(_read(public))
        playlist.discontinuity_sequence = discontinuity_sequence(before, playlist)
        if before is not None:  # tags the mixer's own window had already let go
            playlist.discontinuities |= {
                n for n in before.discontinuities if n >= playlist.media_sequence
            }
        write_atomically(public, media_text(playlist))
        self._published[public] = playlist
        self.tally.count(public)

    def publish_master(self, raw: Path, public: Path) -> None:
        text = _read(raw)
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


@dataclass
class RenditionBytes:
    """What one rendition's segments weighed over a broadcast, as published."""

    bytes: int = 0
    seconds: float = 0.0

    @property
    def per_hour(self) -> int:
        """Bytes per hour of listening to this rendition alone."""
        return round(self.bytes / self.seconds * 3600) if self.seconds else 0


class SegmentTally:
    """The size and duration of every segment each public media playlist has listed, once
    each (by its URI and media sequence number), from the files on disk: what a viewer of
    each rendition downloads, for the sobriety figures (bytes per viewer-hour)."""

    def __init__(self) -> None:
        self.renditions: dict[str, RenditionBytes] = {}
        self._counted: dict[str, int] = {}  # by rendition: the last sequence number counted
        self._lock = threading.Lock()

    def count(self, playlist: Path) -> None:
        rendition = playlist.parent.name
        parsed = MediaPlaylist.parse(_read(playlist))
        number, duration = parsed.media_sequence, 0.0
        with self._lock:
            totals = self.renditions.setdefault(rendition, RenditionBytes())
            last = self._counted.get(rendition, -1)
            for line in parsed.body:
                if line.startswith("#EXTINF:"):
                    duration = float(line[len("#EXTINF:") :].split(",")[0])
                elif line and not line.startswith("#"):
                    if number > last:
                        try:
                            size = (playlist.parent / line).stat().st_size
                        except FileNotFoundError:
                            size = -1
                        if size >= 0:
                            totals.bytes += size
                            totals.seconds += duration
                        self._counted[rendition] = number
                    number += 1

    def as_dict(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                name: {"bytes": t.bytes, "seconds": round(t.seconds, 6)}
                for name, t in sorted(self.renditions.items())
            }


def per_viewer_hour(tally: dict[str, dict[str, float]]) -> list[tuple[str, int]]:
    """Bytes per viewer-hour of each rendition a viewer can choose, from a tally
    (`SegmentTally.as_dict`): a picture rendition with the sound it plays with (the audio
    rendition), the sound alone, largest first."""
    rates = {
        name: RenditionBytes(int(t["bytes"]), float(t["seconds"])).per_hour
        for name, t in tally.items()
    }
    sound = rates.get("audio", 0)
    rows = [(name, rate + sound) for name, rate in rates.items() if name != "audio"]
    rows.sort(key=lambda row: -row[1])
    return [*rows, ("audio", sound)] if "audio" in rates else rows
