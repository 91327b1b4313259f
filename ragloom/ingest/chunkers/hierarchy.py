"""Recognising the numbered divisions of legal texts and books from a line's wording.

Chinese ``第…编`` (part), ``第…章`` (chapter), ``第…节`` (section), ``第…条`` (article) and
English ``Part``, ``Chapter``, ``Section``, ``Article`` followed by a number (digits,
upper-case Roman numerals or a number word), plus ``§ N`` as an article. Parsers of plain
text, and PDFs without a detected outline, give such lines as ordinary text, so the
division is read from the words rather than from a heading level.
"""

from __future__ import annotations

import re
from enum import IntEnum


class Division(IntEnum):
    """Divisions from the outermost (smallest value) to the innermost."""

    PART = 1
    CHAPTER = 2
    SECTION = 3
    ARTICLE = 4


_CHINESE_UNITS = {"编": Division.PART, "部分": Division.PART, "章": Division.CHAPTER, "节": Division.SECTION}
_CHINESE = re.compile(r"^\s*第\s*[零〇一二三四五六七八九十百千万两\d]+\s*(部分|编|章|节|条)")
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty"
)
_NUMBER = rf"(?:\d+[A-Za-z]?(?:[.\-]\d+)*|[IVXLCDM]+|(?i:{_NUMBER_WORDS}))"
_ENGLISH = re.compile(rf"^\s*((?i:part|chapter|section|article))\s+{_NUMBER}(?=$|[\s.:,;)\]—–-])")
_SECTION_SIGN = re.compile(r"^\s*§+\s*\d+[A-Za-z]?(?:[.\-]\d+)*")
_ENGLISH_UNITS = {
    "part": Division.PART,
    "chapter": Division.CHAPTER,
    "section": Division.SECTION,
    "article": Division.ARTICLE,
}


def division_of(line: str) -> Division | None:
    """The division ``line`` opens (``"第三章 总则"`` → chapter), or ``None`` for ordinary text."""
    match = _CHINESE.match(line)
    if match:
        return _CHINESE_UNITS.get(match.group(1), Division.ARTICLE)
    match = _ENGLISH.match(line)
    if match:
        return _ENGLISH_UNITS[match.group(1).lower()]
    if _SECTION_SIGN.match(line):
        return Division.ARTICLE
    return None


def division_label(line: str) -> str:
    """The numbering that opens ``line`` (``"Article 12"``, ``"第十二条"``, ``"§ 3"``), or ``""``."""
    for pattern in (_CHINESE, _ENGLISH, _SECTION_SIGN):
        match = pattern.match(line)
        if match:
            return match.group(0).strip()
    return ""
