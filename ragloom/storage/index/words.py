"""The words of a stored term string, as SQLite FTS5's ``unicode61`` tokenizer reads them.

The index stores analysed terms (:class:`~ragloom.nlp.TextAnalyzer`) as space-separated strings
and full-text search matches *words* of those strings: FTS5 splits a string into maximal runs of
letters, digits and private-use characters (plus the combining diacritics
``unicode61`` keeps inside words) and folds their case; a term of several words is a phrase, whose
words must stand next to each other. Backends that do not run FTS5 split with :func:`words` so they
match exactly the same rows. Over what the analyser produces (NFKC-normalised lower-case letters,
digits, Han characters and the ``._'-`` inside words) the two agree exactly; they may differ on
characters Unicode assigned after SQLite's tables were made (``tests/storage/test_index_words.py``
compares them).
"""

from __future__ import annotations

import re

# The diacritics unicode61 keeps inside words (those it knows how to remove), and the private-use planes.
_WORD = re.compile(
    r"(?:[^\W_]|[\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331\ue000-\uf8ff\U000f0000-\U0010fffd])+"
)


def _fold(character: str) -> str:
    folded = character.casefold()
    if len(folded) == 1:
        return folded
    lowered = character.lower()
    return lowered if len(lowered) == 1 else character


# In ASCII text the words are the runs of letters and digits: everything else separates them.
_ASCII_SEPARATORS = str.maketrans({chr(code): " " for code in range(128) if not chr(code).isalnum()})


def words(text: str) -> list[str]:
    """The words of ``text`` in order, case-folded one character at a time as FTS5 folds them."""
    if text.isascii():
        return text.translate(_ASCII_SEPARATORS).lower().split()
    found = _WORD.findall(text)
    return [word.lower() if word.isascii() else "".join(map(_fold, word)) for word in found]
