"""The simulated camera's live feed, read back with a real ffmpeg over SRT."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter

import imageio_ffmpeg
import pytest

from streaming.ports import free_udp_port as free_port
from streaming.ptz import Position, ViscaDriver, wait_settled
from streaming.simulator import SimulatedCamera, decode_clock, demo_cameras
from streaming.simulator.chamber import rgb

WIDTH, HEIGHT = 640, 360
FRAME = WIDTH * HEIGHT * 3


@pytest.fixture(scope="module")
def camera():
    with SimulatedCamera(
        "Feed test", "0x30A050", visca_port=free_port(), feed_port=free_port()
    ) as camera:
        yield camera


def read_frames(url: str, seconds: float, during=None) -> list[tuple[float, bytes]]:
    """Decoded rgb24 frames with the wall-clock time each was read; `during(elapsed)`
    is called between frames."""
    consumer = subprocess.Popen(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-fflags", "nobuffer",
         "-probesize", "65536", "-analyzeduration", "500000", "-i", url,
         "-an", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    frames, start = [], time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            frame = consumer.stdout.read(FRAME)
            if len(frame) < FRAME:
                break
            frames.append((time.time(), frame))
            if during:
                during(time.monotonic() - start)
    finally:
        consumer.stdout.close()
        consumer.terminate()  # a clean SRT close frees the listener at once
        try:
            consumer.wait(timeout=3)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
    return frames


def dominant_colour(frame: bytes) -> tuple[int, int, int]:
    pixels = Counter(
        tuple(v >> 4 << 4 for v in frame[i : i + 3]) for i in range(0, len(frame), 3 * 7)
    )
    return pixels.most_common(1)[0][0]


def difference(a: bytes, b: bytes) -> float:
    return sum(abs(x - y) for x, y in zip(a[::301], b[::301], strict=True)) / (len(a) / 301)


def test_feed_shows_the_chamber_in_the_cameras_tint_with_its_clock(camera):
    frames = read_frames(camera.feed_url, 4.0)  # a loaded machine takes 2 s to connect

    assert len(frames) > 20
    read_at, frame = frames[-1]
    tint = rgb(camera.colour)
    assert all(abs(a - b) <= 24 for a, b in zip(dominant_colour(frame), tint, strict=True))
    assert abs(decode_clock(frame, WIDTH, HEIGHT) - read_at * 1000) < 1500
    clocks = [decode_clock(f, WIDTH, HEIGHT) for _, f in frames[-10:]]
    assert clocks == sorted(clocks)


def test_name_and_clock_are_burnt_in(camera):
    _, frame = read_frames(camera.feed_url, 1.0)[-1]
    tint = rgb(camera.colour)
    corner = [
        frame[3 * (y * WIDTH + x) : 3 * (y * WIDTH + x) + 3]
        for y in range(8, 36)
        for x in range(8, 120)
    ]
    off_tint = [p for p in corner if max(abs(a - b) for a, b in zip(p, tint, strict=True)) > 60]
    assert len(off_tint) > len(corner) / 2  # the name's dark box and white letters


def test_the_picture_follows_the_ptz_head(camera):
    driver = ViscaDriver(camera.control_address)
    driver.move_to(Position(0, 0, 0))
    wait_settled(driver)
    arrived: list[float] = []

    def zoom_in() -> None:  # the recall returns on its Completion, 1.5 s later
        driver.recall(4)
        arrived.append(time.time())

    mover = threading.Timer(0.5, zoom_in)

    def start_moving(elapsed: float) -> None:
        if not mover.is_alive() and not arrived:
            mover.start()  # half a second after the first frame

    frames = read_frames(camera.feed_url, 8.0, during=start_moving)
    mover.join()
    driver.close()

    wide = [frame for read_at, frame in frames if read_at < arrived[0] - 1.5]
    close = [frame for read_at, frame in frames if read_at > arrived[0] + 0.5]
    assert wide and close, f"{len(frames)} frames"
    assert difference(wide[0], close[-1]) > 10
    assert camera.position.close_to(camera.presets[4], tolerance=1e-3)


def test_feed_restarts_for_each_caller_and_can_be_cut(camera):
    assert read_frames(camera.feed_url, 0.5)
    camera.pause_feed()
    starts = camera.feed_starts
    assert read_frames(camera.feed_url + "&connect_timeout=1000", 1.0) == []
    camera.resume_feed()
    deadline = time.monotonic() + 20
    while not read_frames(camera.feed_url + "&connect_timeout=2000", 0.5):
        assert time.monotonic() < deadline, "the feed never came back"
    assert camera.feed_starts > starts  # a new ffmpeg, started by the resume


def test_demo_cameras_have_distinct_colours_and_ports():
    cameras = demo_cameras(3, base_port=9100)
    assert len({c.colour for c in cameras}) == 3
    assert [c.control_address for c in cameras] == [
        "127.0.0.1:9101",
        "127.0.0.1:9111",
        "127.0.0.1:9121",
    ]
    assert [c.onvif_address for c in cameras] == [
        "127.0.0.1:9102",
        "127.0.0.1:9112",
        "127.0.0.1:9122",
    ]
    assert cameras[2].feed_url == "srt://127.0.0.1:9123?mode=caller"
