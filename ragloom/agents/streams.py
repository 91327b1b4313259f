"""Answers still being written: an LLM feeding a Message hands it a stream, not finished text.

RAGFlow's streaming rule: an LLM (or Agent) whose downstream holds a Message does not generate
while it runs; it leaves a :class:`TextStream` as its ``content``, and the Message drains it
into ``message`` events token by token. Anything else that reads the output waits for the whole
text (:meth:`TextStream.text`), so a stream is consumed once and its text kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

THINK_START = "<think>"
THINK_END = "</think>"
"""Pieces that open and close reasoning: what lies between them is never part of the answer."""


def answer_text(pieces: Iterable[str]) -> str:
    """The pieces joined, reasoning left out."""
    thinking = False
    kept: list[str] = []
    for piece in pieces:
        if piece == THINK_START:
            thinking = True
        elif piece == THINK_END:
            thinking = False
        elif not thinking:
            kept.append(piece)
    return "".join(kept)


class TextStream:
    """Text produced piece by piece by ``produce``; read it streamed once, or whole any number of times."""

    def __init__(self, produce: Callable[[], Iterator[str]]) -> None:
        self._produce = produce
        self._source: Iterator[str] | None = None
        self._pieces: list[str] = []
        self._done = False
        self._lock = threading.Lock()

    def pieces(self) -> Iterator[str]:
        """The pieces in order: those already produced, then the rest as they are produced. A reader
        that stops early leaves the rest for the next one."""
        with self._lock:
            yield from list(self._pieces)
            if self._done:
                return
            if self._source is None:
                self._source = self._produce()
            for piece in self._source:
                self._pieces.append(piece)
                yield piece
            self._done = True

    def text(self) -> str:
        """The whole answer (reasoning left out), producing it first if nobody has."""
        for _ in self.pieces():
            pass
        return answer_text(self._pieces)

    @property
    def done(self) -> bool:
        return self._done
