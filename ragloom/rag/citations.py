"""Citations in answers: ``[ID:n]`` markers pointing into ``reference.chunks``.

Models are asked to cite, and many do, in assorted spellings (``[ID: 2]``, ``(ID:2)``,
``【ID:2】``, RAGFlow's legacy ``##2$$``); those are normalised and markers naming no
retrieved chunk are dropped. Small models often do not cite at all; then each sentence of
the answer is compared with the chunks — RAGFlow's hybrid of term overlap (weight 0.1) and
embedding cosine (0.9) — and the chunks it is close enough to are cited after it. The
threshold starts high and is lowered step by step until something is cited (or a floor is
reached), so an answer that merely echoes its knowledge still points at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ragloom.nlp import TextAnalyzer

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

    Embed = Callable[[str], npt.NDArray[np.float32]]

_VARIANTS = (
    re.compile(r"[\[【(（]\s*ID\s*[:：]\s*(\d+)\s*[\]】)）]", re.IGNORECASE),
    re.compile(r"##(\d+)\$\$"),
)
_MARKER = re.compile(r"\[ID:(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？;；])\s+|(?<=[。！？；])|\n+")
TERM_WEIGHT = 0.1
VECTOR_WEIGHT = 0.9
THRESHOLDS = (0.63, 0.53, 0.43, 0.33)
MAX_CITES_PER_SENTENCE = 4
MAX_SENTENCES = 40


def normalise_markers(answer: str, chunk_count: int) -> str:
    """Every citation spelled ``[ID:n]``; markers outside ``0..chunk_count-1`` removed."""
    for pattern in _VARIANTS:
        answer = pattern.sub(lambda match: f"[ID:{int(match.group(1))}]", answer)
    return _MARKER.sub(lambda match: match.group(0) if int(match.group(1)) < chunk_count else "", answer)


def cited(answer: str) -> list[int]:
    """The chunk numbers an answer cites, in order of first citation."""
    return list(dict.fromkeys(int(number) for number in _MARKER.findall(answer)))


def insert_citations(
    answer: str,
    chunk_texts: Sequence[str],
    chunk_vectors: Sequence[npt.NDArray[np.float32] | None],
    embed: Embed | None,
    analyzer: TextAnalyzer,
) -> str:
    """``answer`` with markers after the sentences that draw on a chunk.

    An answer that already cites (after :func:`normalise_markers`) is returned as it is.
    ``embed`` turns a sentence into a unit vector comparable with ``chunk_vectors``; without
    it (or for chunks without a vector) only term overlap counts.
    """
    import numpy as np

    if not chunk_texts or not answer.strip() or cited(answer):
        return answer
    pieces = _sentences(answer)
    sentences = [index for index, piece in enumerate(pieces) if len(piece.strip()) > 3][:MAX_SENTENCES]
    if not sentences:
        return answer
    chunk_terms = [set(analyzer.terms(text)) for text in chunk_texts]
    scores = np.zeros((len(sentences), len(chunk_texts)))
    for row, index in enumerate(sentences):
        terms = analyzer.terms(pieces[index])
        overlap = np.array(
            [sum(term in chunk for term in terms) / len(terms) if terms else 0.0 for chunk in chunk_terms]
        )
        vector = embed(pieces[index]) if embed is not None else None
        cosine = np.array(
            [
                float(np.dot(vector, chunk)) if vector is not None and chunk is not None else overlap[column]
                for column, chunk in enumerate(chunk_vectors)
            ]
        )
        scores[row] = TERM_WEIGHT * overlap + VECTOR_WEIGHT * cosine
    for threshold in THRESHOLDS:
        chosen = _choose(scores, threshold)
        if any(chosen):
            break
    else:
        return answer
    for row, index in enumerate(sentences):
        if chosen[row]:
            markers = "".join(f"[ID:{column}]" for column in chosen[row])
            pieces[index] = _attach(pieces[index], markers)
    return "".join(pieces)


def _choose(scores: npt.NDArray[np.float64], threshold: float) -> list[list[int]]:
    import numpy as np

    chosen: list[list[int]] = []
    for row in scores:
        best = float(row.max()) if row.size else 0.0
        if best < threshold:
            chosen.append([])
            continue
        near = [int(column) for column in np.argsort(-row) if row[column] >= max(threshold, best * 0.99)]
        chosen.append(near[:MAX_CITES_PER_SENTENCE])
    return chosen


def _sentences(text: str) -> list[str]:
    """``text`` cut after each sentence, keeping every character (the pieces join back to it)."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _attach(sentence: str, markers: str) -> str:
    """Markers go after the sentence's text, before its trailing whitespace."""
    stripped = sentence.rstrip()
    return stripped + markers + sentence[len(stripped) :]
