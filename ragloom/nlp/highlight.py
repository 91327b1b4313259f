"""Wrapping the words of a text that match query terms in ``<em>`` tags.

Words are compared by their analysed terms (stem, lower case, jieba segments), so a query
for "engine" highlights "Engines" and a query for 知识库 highlights it inside a sentence
with no spaces. The text itself is left as it is otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ragloom.nlp.analyzer import _HAN, TextAnalyzer, han_words, has_han

_WORDS = re.compile(rf"[{_HAN}]+|[^\W_]+(?:[._'’-][^\W_]+)*")


def highlight(text: str, terms: Collection[str], analyzer: TextAnalyzer) -> str:
    """``text`` with every word whose term is in ``terms`` wrapped in ``<em>…</em>``."""
    wanted = {term for term in terms if term}
    if not wanted or not text:
        return text
    parts: list[str] = []
    last = 0
    for match in _WORDS.finditer(text):
        parts.append(text[last : match.start()])
        word = match.group(0)
        if has_han(word):
            parts.append("".join(f"<em>{piece}</em>" if piece in wanted else piece for piece in han_words(word)))
        else:
            matched = any(term in wanted for term in analyzer.terms(word))
            parts.append(f"<em>{word}</em>" if matched else word)
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)
