"""Keeping reasoning out of answers: ``<think>…</think>`` split from streamed text.

Models such as DeepSeek-R1 and Qwen3 write their reasoning inline between ``<think>`` and
``</think>``. Streams cut text anywhere, so a tag may arrive in pieces; the splitter holds
back the shortest tail that could still become a tag and releases it once it cannot.
"""

from __future__ import annotations

from collections.abc import Iterator

from ragloom.providers.chat.protocol import Delta

OPEN = "<think>"
CLOSE = "</think>"


class ReasoningSplitter:
    """Feeds on raw text fragments and yields deltas with reasoning moved aside."""

    def __init__(self) -> None:
        self._pending = ""
        self._thinking = False

    def feed(self, text: str) -> Iterator[Delta]:
        """The deltas ``text`` completes (possibly none while a tag may be forming)."""
        self._pending += text
        while self._pending:
            tag = CLOSE if self._thinking else OPEN
            position = self._pending.find(tag)
            if position >= 0:
                yield from self._emit(self._pending[:position])
                self._pending = self._pending[position + len(tag) :]
                self._thinking = not self._thinking
                continue
            keep = _partial_tag_length(self._pending, tag)
            ready, self._pending = (
                self._pending[: len(self._pending) - keep],
                self._pending[len(self._pending) - keep :],
            )
            yield from self._emit(ready)
            return

    def finish(self) -> Iterator[Delta]:
        """Whatever is still held back (an unfinished tag is plain text after all)."""
        rest, self._pending = self._pending, ""
        yield from self._emit(rest)

    def _emit(self, text: str) -> Iterator[Delta]:
        if text:
            yield Delta(reasoning=text) if self._thinking else Delta(content=text)


def _partial_tag_length(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for length in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-length:]):
            return length
    return 0


def split_reasoning(text: str) -> tuple[str, str]:
    """``(content, reasoning)`` of a whole, non-streamed answer."""
    splitter = ReasoningSplitter()
    deltas = [*splitter.feed(text), *splitter.finish()]
    return "".join(delta.content for delta in deltas), "".join(delta.reasoning for delta in deltas)
