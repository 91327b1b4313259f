"""Chinese segmentation and English normalisation into index terms.

Every piece of text that reaches a chunk index, and every query, goes through
:class:`TextAnalyzer`, so all backends see the same terms and scores agree.

- Text is NFKC-normalised (full-width forms become ASCII) and lower-cased.
- Runs of Han characters are segmented with jieba (``rjieba``, dictionary bundled).
- Latin words are stemmed with the Snowball English stemmer; numbers are kept.
- Punctuation and symbols are dropped.

``terms`` gives the coarse terms (RAGFlow's ``*_ltks``); ``fine_terms`` adds the
sub-words of long Chinese words (``*_sm_ltks``) so a search for 北京 finds 北京大学.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import snowballstemmer

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"[{_HAN}]+|[a-z0-9]+(?:[._'’-][a-z0-9]+)*")
_HAN_RUN = re.compile(rf"[{_HAN}]+")
_LONGEST_STEMMED_WORD = 40
_STEM_CACHE_LIMIT = 200_000


def normalize(text: str) -> str:
    """NFKC-normalised and lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def han_words(text: str, *, for_search: bool = False) -> list[str]:
    """jieba's words of a run of Chinese text (with ``for_search``, long words' parts too)."""
    import rjieba  # its dictionary loads with the first Chinese text, not when the server starts

    words: list[str] = rjieba.cut_for_search(text) if for_search else rjieba.cut(text)
    return words


def has_han(text: str) -> bool:
    """Whether ``text`` contains Chinese characters."""
    return _HAN_RUN.search(text) is not None


class TextAnalyzer:
    """Turns text into index terms; safe to share between threads.

    Stems are cached (words repeat a great deal), which makes analysis of long documents
    several times faster; the cache is bounded and simply starts over when full.
    """

    def __init__(self) -> None:
        self._stems: dict[str, str] = {}
        self._lock = threading.Lock()

    @cached_property
    def _stemmer(self) -> snowballstemmer.stemmer:
        import snowballstemmer  # with the first English word, not when the server starts

        return snowballstemmer.stemmer("english")

    def _word(self, word: str) -> str:
        word = word.replace("’", "'")
        if word.isdigit() or len(word) > _LONGEST_STEMMED_WORD or not word.isascii():
            return word
        stem = self._stems.get(word)
        if stem is None:
            with self._lock:
                stem = str(self._stemmer.stemWord(word))
                if len(self._stems) >= _STEM_CACHE_LIMIT:
                    self._stems.clear()
                self._stems[word] = stem
        return stem

    def both(self, text: str) -> tuple[list[str], list[str]]:
        """``(terms, fine_terms)`` of ``text`` in one pass."""
        coarse: list[str] = []
        fine: list[str] = []
        for piece in _PIECES.findall(normalize(text)):
            if has_han(piece):
                coarse.extend(word for word in han_words(piece) if word.strip())
                fine.extend(word for word in han_words(piece, for_search=True) if word.strip())
            else:
                word = self._word(piece)
                coarse.append(word)
                fine.append(word)
        return coarse, fine

    def terms(self, text: str) -> list[str]:
        """The coarse terms of ``text``, in order."""
        result: list[str] = []
        for piece in _PIECES.findall(normalize(text)):
            if has_han(piece):
                result.extend(word for word in han_words(piece) if word.strip())
            else:
                result.append(self._word(piece))
        return result

    def fine_terms(self, text: str) -> list[str]:
        """The coarse terms plus the sub-words of Chinese words longer than two characters."""
        return self.both(text)[1]

    def joined(self, text: str) -> str:
        """``terms`` as one space-separated string (the stored form)."""
        return " ".join(self.terms(text))

    def joined_fine(self, text: str) -> str:
        """``fine_terms`` as one space-separated string."""
        return " ".join(self.fine_terms(text))
