"""How a value is written into ffmpeg's nested syntaxes: a filtergraph's options, the tee
muxer's slave options."""

from __future__ import annotations


def escape_value(text: str) -> str:
    """`text` as an option value inside a filtergraph description: escaped once for the
    option parser, then once more for the graph parser."""
    return escape(escape(text, "\\':"), "\\'[],;")


def tee_value(value: str) -> str:
    """A slave option's value, escaped for the tee muxer's two parsing levels."""
    return escape(escape(value, "\\':"), "\\'|[]")


def escape(text: str, specials: str) -> str:
    return "".join("\\" + ch if ch in specials else ch for ch in text)
