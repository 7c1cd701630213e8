"""The camera clock burnt into every frame as a barcode, readable from a decoded frame.

Layout, in pixels of a 640x360 frame and scaled with the frame's width for any other
size (so it reads the same after downscaling): CLOCK_BARCODE = (x, y, block, bits).
A row of `bits` square blocks of side `block`, the first at (x, y), touching each
other, left to right from the most significant bit of the frame's wall-clock time in
Unix epoch milliseconds. White = 1, black = 0; the row sits on a black band one
half-block wider all round. 44 bits cover the epoch in ms until the year 2527.
Read each block at its centre, luma above mid grey meaning 1.
"""

from __future__ import annotations

from typing import Any

CLOCK_BARCODE = (10, 340, 10, 44)
REFERENCE_WIDTH = 640


def barcode_layout(width: int) -> tuple[float, float, float, int]:
    """(x, y, block, bits) for a frame `width` pixels wide (keeps 16:9 frames' aspect)."""
    x, y, block, bits = CLOCK_BARCODE
    scale = width / REFERENCE_WIDTH
    return x * scale, y * scale, block * scale, bits


def barcode_boxes(width: int) -> list[tuple[int, int, int, int]]:
    """The (x, y, w, h) box of each bit, most significant first, at this frame width."""
    x, y, block, bits = barcode_layout(width)
    return [
        (
            round(x + i * block),
            round(y),
            round(x + (i + 1) * block) - round(x + i * block),
            round(block),
        )
        for i in range(bits)
    ]


def decode_clock(frame: Any, width: int | None = None, height: int | None = None) -> int:
    """The epoch milliseconds in a frame: raw rgb24 bytes (with `width`, `height`) or a
    PIL image. The frame must have the camera's 16:9 aspect (any size)."""
    if not isinstance(frame, bytes | bytearray | memoryview):
        width, height = frame.size
        frame = frame.convert("RGB").tobytes()
    if width is None or height is None:
        raise ValueError("raw frames need their width and height")
    data = bytes(frame)
    x, y, block, bits = barcode_layout(width)
    value = 0
    for i in range(bits):
        cx, cy = x + (i + 0.5) * block, y + 0.5 * block
        value = (value << 1) | (_luma(data, width, height, cx, cy, block / 4) > 128)
    return value


def _luma(data: bytes, width: int, height: int, cx: float, cy: float, radius: float) -> float:
    """Mean luma of the small square around (cx, cy)."""
    r = max(0, int(radius))
    total = count = 0
    for py in range(int(cy) - r, int(cy) + r + 1):
        for px in range(int(cx) - r, int(cx) + r + 1):
            if 0 <= px < width and 0 <= py < height:
                i = 3 * (py * width + px)
                total += 299 * data[i] + 587 * data[i + 1] + 114 * data[i + 2]
                count += 1000
    return total / count if count else 0.0
