"""The still picture a simulated camera looks at: the council chamber, drawn once."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from streaming.simulator.state import SEAT_ROWS, SEATS_PER_ROW, seat_centre

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def rgb(colour: str) -> tuple[int, int, int]:
    """ "0xRRGGBB" (or "#RRGGBB") as an (r, g, b) triple."""
    value = int(colour.removeprefix("#"), 16) if colour.startswith("#") else int(colour, 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def render_chamber(path: Path, size: tuple[int, int], colour: str) -> Path:
    """Draw the chamber, `size` pixels, its walls tinted in the camera's `colour`:
    numbered seats in rows (seat_centre tells where) and the chair's desk in front."""
    width, height = size
    tint = rgb(colour)
    light = tuple((c + 255) // 2 for c in tint)
    dark = tuple(c // 3 for c in tint)
    image = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(image)
    font = _font(height // 20)
    seat_w, seat_h = width / SEATS_PER_ROW * 0.6, height * 0.1
    for number in range(1, len(SEAT_ROWS) * SEATS_PER_ROW + 1):
        fx, fy = seat_centre(number)
        cx, cy = fx * width, fy * height
        box = (cx - seat_w / 2, cy - seat_h / 2, cx + seat_w / 2, cy + seat_h / 2)
        draw.rounded_rectangle(box, radius=seat_h / 5, fill=light, outline=dark, width=3)
        draw.text((cx, cy), str(number), fill=dark, font=font, anchor="mm")
    desk = (width * 0.3, height * 0.74, width * 0.7, height * 0.86)
    draw.rectangle(desk, fill=dark, outline=light, width=4)
    draw.text(
        ((desk[0] + desk[2]) / 2, (desk[1] + desk[3]) / 2),
        "CHAIR",
        fill=light,
        font=font,
        anchor="mm",
    )
    image.save(path)
    return path


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()
