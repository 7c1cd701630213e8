"""A file served whole or by the one byte range asked for (HTTP Range), for the replay's
MP4 and its captioned download."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)

CHUNK = 1 << 16
RANGE = re.compile(r"^bytes=([0-9]{0,19})-([0-9]{0,19})$")  # ASCII digits only, bounded


def ranged_file(
    request: HttpRequest, path: Path, content_type: str, etag: str = ""
) -> HttpResponseBase:
    """The file, or the one byte range asked for (206), or 416 for a range not in it."""
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    if not header:
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type=content_type)
    else:
        span = parse_range(header, size)
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = span
        response = StreamingHttpResponse(
            _read(path, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if etag:
        response["ETag"] = f'"{etag}"'
    return response


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of a single `bytes=` range, or None if unsatisfiable."""
    found = RANGE.match(header.strip())
    if not found or size == 0:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        n = int(last)
        return (size - n, size - 1) if 0 < n <= size else (0, size - 1) if n > 0 else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        while length > 0:
            block = f.read(min(CHUNK, length))
            if not block:
                break
            length -= len(block)
            yield block
