"""HLS by the book (RFC 8216): the playlists of a real broadcast read back and checked
rule by rule, and the end of a broadcast written into them."""

from __future__ import annotations

import threading
from pathlib import Path

from streaming.hls import ENDLIST, end_playlists

MEDIA = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:4
#EXT-X-MAP:URI="init.mp4"
#EXTINF:1.000000,
seg_00004.m4s
#EXTINF:1.000000,
seg_00005.m4s
"""
MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001e,mp4a.40.2"
360p/index.m3u8
"""


def sitting_folder(root: Path) -> Path:
    for rendition in ("360p", "audio"):
        (root / rendition).mkdir(parents=True)
        (root / rendition / "index.m3u8").write_text(MEDIA)
    (root / "master.m3u8").write_text(MASTER)
    return root


def test_end_playlists_ends_every_media_playlist_once(tmp_path: Path) -> None:
    root = sitting_folder(tmp_path / "42")
    end_playlists(root)
    end_playlists(str(root))  # idempotent, and a str will do
    for rendition in ("360p", "audio"):
        text = (root / rendition / "index.m3u8").read_text()
        assert text == MEDIA + ENDLIST + "\n"
    assert (root / "master.m3u8").read_text() == MASTER  # a master playlist has no end
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == [
        "index.m3u8",
        "index.m3u8",
        "master.m3u8",
    ]  # no temporary file left behind


def test_end_playlists_never_shows_a_reader_half_a_playlist(tmp_path: Path) -> None:
    root = sitting_folder(tmp_path / "7")
    playlist = root / "360p" / "index.m3u8"
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(playlist.read_text())

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(200):
        playlist.write_text(MEDIA)  # as the mixer would, before it stops (not atomically)
        end_playlists(root)
    done.set()
    reader.join()
    ended = [text for text in seen if ENDLIST in text]
    assert ended and all(text == MEDIA + ENDLIST + "\n" for text in ended)


def test_end_playlists_of_a_missing_or_empty_folder_does_nothing(tmp_path: Path) -> None:
    end_playlists(tmp_path / "nothing-here")
    (tmp_path / "1").mkdir()
    end_playlists(tmp_path / "1")
    assert list((tmp_path / "1").iterdir()) == []
