"""The words backends without FTS5 split stored terms into are FTS5's ``unicode61`` words."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest

from ragloom.storage.index.words import words
from ragloom.testing.index_records import ANALYZER

SAMPLES = [
    "Retrieval-augmented generation (RAG) finds chunks: e-mail, 3.14, don't, C++ and snake_case!",
    "北京大学的知识库检索系统支持中文分词，也支持 English 和 数字 2024 年。",
    "Ünïcödé façade naïve café Straße ΣΊΣΥΦΟΣ ς µ ſ Привет МИР",
    'AND OR NOT near* "quoted" \\back\\slash',
    "tabs\tand\nnewlines, (brackets) [and] {braces} 1,000.5%",
]


def fts5_words(text: str) -> list[str]:
    """What SQLite's FTS5 (``unicode61 remove_diacritics 0``, as the embedded index) makes of ``text``."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
    connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    connection.execute("INSERT INTO t (x) VALUES (?)", (text,))
    found = [term for (term,) in connection.execute("SELECT term FROM v ORDER BY offset")]
    connection.close()
    return found


@pytest.mark.parametrize("text", SAMPLES)
def test_raw_text_splits_as_fts5_splits_it(text: str) -> None:
    assert words(text) == fts5_words(text)


@pytest.mark.parametrize("text", SAMPLES)
def test_analysed_terms_split_as_fts5_splits_them(text: str) -> None:
    for joined in (ANALYZER.joined(text), ANALYZER.joined_fine(text)):
        assert words(joined) == fts5_words(joined)


def test_every_latin_greek_cyrillic_and_cjk_character_is_read_alike() -> None:
    """Each character of those scripts that Unicode 6.1 (SQLite's tables) had, alone inside a word."""
    blocks = ((0x21, 0x250), (0x370, 0x37F), (0x380, 0x528), (0x3000, 0x3040), (0x4E00, 0x9FA6))
    characters = [chr(code) for low, high in blocks for code in range(low, high)]
    text = " ".join(f"q{character}q" for character in characters if unicodedata.category(character) != "Cn")
    assert words(text) == fts5_words(text)
