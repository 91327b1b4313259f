"""Turning a question into weighted query terms.

The question is analysed like indexed text (so terms meet terms), then:

- question words and function words are dropped (English "what/how/is/the/...", Chinese
  什么/怎么/如何/吗/呢/...), unless nothing else is left;
- long Chinese words also contribute their sub-words, so 北京大学 finds 北京;
- each pair of adjacent content words becomes a phrase term, which a chunk only matches
  when it has the two words side by side (a proximity boost).

Weights are not decided here: they come from how common each term is in the searched
chunks (see :mod:`ragloom.rag.scoring`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from ragloom.nlp import TextAnalyzer
from ragloom.nlp.analyzer import has_han, normalize

ENGLISH_STOP_WORDS = frozenset(
    """a an the and or but if then else of at by for with about against between into through during before after
    above below to from up down in out on off over under again further once here there when where why how all any
    both each few more most other some such no nor not only own same so than too very s t can will just don should
    now is are was were be been being have has had having do does did doing i me my myself we our ours ourselves
    you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs
    themselves what which who whom this that these those am would could ought shall may might must also please
    tell show give find explain describe""".split()
)
CHINESE_STOP_WORDS = frozenset(
    """什么 什么样 怎么 怎么样 怎样 如何 哪些 哪个 哪里 哪儿 何时 何地 何人 为什么 是否 是不是 多少 有没有 请问
    吗 呢 吧 啊 呀 的 了 是 在 和 与 及 或 也 就 都 而 被 把 这 那 这个 那个 一个 我 你 他 她 它 我们 你们 他们
    请 给 关于 对于 有关 一下""".split()
)
_MIN_SUB_WORD = 2


class TermKind(StrEnum):
    """Where a query term comes from."""

    WORD = "word"
    SUB_WORD = "sub_word"  # part of a longer Chinese word
    PHRASE = "phrase"  # two adjacent words


@dataclass(frozen=True)
class QueryTerms:
    """The terms to match, each with its kind; ``phrase_parts`` says which words a phrase joins."""

    terms: list[str] = field(default_factory=list)
    kinds: list[TermKind] = field(default_factory=list)
    phrase_parts: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def words(self) -> list[str]:
        return [term for term, kind in zip(self.terms, self.kinds, strict=True) if kind is not TermKind.PHRASE]


class QueryAnalyzer:
    """Analyses questions the way chunks were analysed, minus the noise words."""

    def __init__(self, analyzer: TextAnalyzer) -> None:
        self._analyzer = analyzer

    @cached_property
    def _stop(self) -> frozenset[str]:
        """The noise words as terms, stemmed with the first question (not when the server starts)."""
        return frozenset(self._analyzer.terms(" ".join(ENGLISH_STOP_WORDS))) | CHINESE_STOP_WORDS

    @property
    def noise(self) -> frozenset[str]:
        """The terms dropped from questions (stop and question words), as terms."""
        return self._stop

    def analyse(self, question: str) -> QueryTerms:
        """The weighted-term skeleton of ``question`` (terms, their kinds, phrase structure)."""
        text = re.sub(r"\s+", " ", normalize(question)).strip()
        words = self._analyzer.terms(text)
        kept = [(position, word) for position, word in enumerate(words) if word not in self._stop]
        if not kept:
            kept = list(enumerate(words))
        terms: list[str] = []
        kinds: list[TermKind] = []
        index_of: dict[str, int] = {}

        def add(term: str, kind: TermKind) -> int:
            if term not in index_of:
                index_of[term] = len(terms)
                terms.append(term)
                kinds.append(kind)
            return index_of[term]

        for _position, word in kept:
            add(word, TermKind.WORD)
        for _position, word in kept:
            if has_han(word) and len(word) > _MIN_SUB_WORD:
                for part in self._analyzer.fine_terms(word):
                    if part != word and len(part) >= _MIN_SUB_WORD and part not in self._stop:
                        add(part, TermKind.SUB_WORD)
        phrases: dict[int, tuple[int, int]] = {}
        for (first_position, first), (second_position, second) in itertools.pairwise(kept):
            if second_position == first_position + 1 and first != second:
                phrase = add(f"{first} {second}", TermKind.PHRASE)
                phrases[phrase] = (index_of[first], index_of[second])
        return QueryTerms(terms, kinds, phrases)

    def highlight_terms(self, question: str) -> set[str]:
        """Every term of the question worth marking in a result (fine terms included)."""
        coarse, fine = self._analyzer.both(question)
        return {term for term in [*coarse, *fine] if term not in self._stop} or set(coarse)
