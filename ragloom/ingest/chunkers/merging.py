"""Cutting text at delimiters and merging pieces into chunks of bounded size.

This is RAGFlow's "naive merge": pieces are appended to the current chunk until the next
one would push it past ``chunk_token_num`` tokens, then a new chunk starts (optionally
repeating the tail of the previous one, ``overlapped_percent``). A piece that alone is
longer than the limit is cut into token windows, so one enormous line still yields
chunks of the promised size.

Delimiters come from ``parser_config.delimiter``: every character of it is a delimiter
(escapes such as ``\\n`` are understood), and text between backticks is a multi-character
delimiter (`` `##` ``). When such custom delimiters are given, text is cut exactly there
and nowhere else, and each part is one chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ragloom.ingest.model import Position
from ragloom.nlp.token_count import count_tokens, split_by_tokens

_CUSTOM = re.compile(r"`([^`]+)`")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
DEFAULT_CHUNK_TOKENS = 512


@dataclass(frozen=True)
class Delimiters:
    """Single-character delimiters, and multi-character ones given in backticks."""

    characters: str
    custom: tuple[str, ...] = ()


@dataclass
class Piece:
    """Some text and where it came from."""

    text: str
    positions: list[Position] = field(default_factory=list)
    tokens: int = -1

    def token_count(self) -> int:
        if self.tokens < 0:
            self.tokens = count_tokens(self.text)
        return self.tokens


def unescape(text: str) -> str:
    """``\\n``, ``\\t``, ``\\r`` and ``\\\\`` as the characters they name."""
    return re.sub(r"\\([ntr\\])", lambda match: _ESCAPES[match.group(1)], text)


def parse_delimiters(raw: str | None) -> Delimiters:
    """The delimiters a ``parser_config.delimiter`` string describes."""
    text = raw if raw else "\n"
    custom = tuple(unescape(match) for match in _CUSTOM.findall(text) if match)
    characters = unescape(_CUSTOM.sub("", text))
    return Delimiters(characters=characters, custom=custom)


def split_keeping_delimiters(text: str, characters: str) -> list[str]:
    """Cut ``text`` after every delimiter character; the delimiter stays with its piece."""
    if not characters:
        return [text] if text else []
    pattern = "[" + re.escape(characters) + "]"
    parts = re.split(f"(?<={pattern})", text)
    return [part for part in parts if part.strip()]


def split_on_custom(text: str, custom: Sequence[str]) -> list[str]:
    """Cut ``text`` at each custom delimiter (dropped), keeping non-blank parts."""
    pattern = "|".join(re.escape(delimiter) for delimiter in sorted(custom, key=len, reverse=True))
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


def token_windows(text: str, limit: int) -> list[str]:
    """``text`` cut into consecutive windows of at most ``limit`` tokens (blank ones dropped)."""
    return [window for window in split_by_tokens(text, limit) if window.strip()]


def merge_pieces(pieces: Iterable[Piece], limit: int, overlap_percent: float = 0.0) -> list[Piece]:
    """Greedily merge pieces into chunks of at most ``limit`` tokens (see the module doc)."""
    chunks: list[Piece] = []
    current: list[Piece] = []
    current_tokens = 0

    def flush() -> None:
        nonlocal current, current_tokens
        if current:
            text = "".join(piece.text for piece in current)
            positions = [position for piece in current for position in piece.positions]
            chunks.append(Piece(text, positions, current_tokens))
        current, current_tokens = [], 0

    for piece in pieces:
        size = piece.token_count()
        if size > limit:
            flush()
            for window in token_windows(piece.text, limit):
                chunks.append(Piece(window, list(piece.positions)))
            continue
        if current and current_tokens + size > limit:
            previous = "".join(item.text for item in current)
            flush()
            if overlap_percent > 0:
                tail = _tail(previous, overlap_percent)
                if tail and count_tokens(tail) + size <= limit:
                    current, current_tokens = [Piece(tail)], count_tokens(tail)
        current.append(piece)
        current_tokens += size
    flush()
    return [chunk for chunk in chunks if chunk.text.strip()]


def _tail(text: str, percent: float) -> str:
    keep = int(len(text) * min(max(percent, 0.0), 90.0) / 100)
    return text[len(text) - keep :] if keep else ""


def chunk_limit(config: Mapping[str, Any]) -> int:
    """``chunk_token_num`` from a parser config, defaulting to 512."""
    value = config.get("chunk_token_num", DEFAULT_CHUNK_TOKENS)
    return value if isinstance(value, int) and value > 0 else DEFAULT_CHUNK_TOKENS


def overlap_percent(config: Mapping[str, Any]) -> float:
    """``overlapped_percent`` from a parser config (0..90), defaulting to 0."""
    value = config.get("overlapped_percent", 0)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
