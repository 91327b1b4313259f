"""Page layout on made-up words: lines, paragraphs, reading order and tables."""

from __future__ import annotations

from ragloom.ingest.ocr import OcrLine
from ragloom.ingest.parsers.layout import (
    Line,
    Region,
    Word,
    join_lines,
    join_words,
    lines_of,
    ocr_paragraphs,
    paragraphs_of,
    reading_order,
    rows_of,
)
from ragloom.ingest.parsers.layout_tables import find_tables

SIZE = 10.0
HEIGHT = 12.0
PITCH = 13.0


def words(text: str, x: float, top: float, *, size: float = SIZE, bold: bool = False) -> list[Word]:
    """``text``'s words set from ``x`` on the line starting at ``top`` (6 points per character)."""
    placed = []
    for token in text.split():
        placed.append(Word(token, x, x + 6 * len(token), top, top + HEIGHT * size / SIZE, size, bold))
        x += 6 * len(token) + 3
    return placed


def column(texts: list[str], x: float, top: float) -> list[Word]:
    """Lines of text one under the other."""
    return [word for index, text in enumerate(texts) for word in words(text, x, top + index * PITCH)]


def texts(regions: list[Region]) -> list[str]:
    return [region.text for region in regions]


def layout(placed: list[Word]) -> list[Region]:
    tables, rest = find_tables(rows_of(placed))
    return reading_order([*tables, *paragraphs_of(lines_of(rest))])


def test_a_row_across_two_columns_gives_two_lines() -> None:
    placed = words("left column text", 50, 100) + words("right column", 320, 101)
    assert [line.text for line in lines_of(rows_of(placed))] == ["left column text", "right column"]


def test_a_narrow_label_stays_on_its_line_across_a_wide_gap() -> None:
    placed = words("2.1", 50, 100) + words("Scope of the work", 90, 100)
    assert [line.text for line in lines_of(rows_of(placed))] == ["2.1 Scope of the work"]


def test_paragraphs_split_at_wider_gaps_indents_and_bullets() -> None:
    placed = (
        column(["first paragraph line one", "and its second line"], 50, 100)
        + column(["second paragraph after a gap"], 50, 100 + 2 * PITCH + 10)
        + words("indented first line", 50 + 2 * SIZE, 100 + 3 * PITCH + 10)
        + words("continues flush", 50, 100 + 4 * PITCH + 10)
        + column(["• a bullet item", "• another item"], 50, 100 + 5 * PITCH + 10)
    )
    assert texts(layout(placed)) == [
        "first paragraph line one and its second line",
        "second paragraph after a gap",
        "indented first line continues flush",
        "• a bullet item",
        "• another item",
    ]


def test_a_bigger_or_bolder_line_is_not_part_of_the_paragraph() -> None:
    placed = words("A Heading", 50, 90, size=14, bold=True) + column(["body text right", "under the heading"], 50, 110)
    assert texts(layout(placed)) == ["A Heading", "body text right under the heading"]


def test_two_columns_are_read_column_by_column_between_full_width_items() -> None:
    left = ["left one a", "left one b", "", "left two a", "left two b"]
    right = ["right one a", "right one b", "", "right two a", "right two b"]
    placed = (
        words("A title spanning both columns of the page here", 50, 60, size=14)
        + column([text for text in left if text], 50, 100)
        + column([text for text in right if text], 320, 100)
        + words("a full width footnote that spans the two columns below them", 50, 300)
    )
    assert texts(layout(placed)) == [
        "A title spanning both columns of the page here",
        "left one a left one b left two a left two b",
        "right one a right one b right two a right two b",
        "a full width footnote that spans the two columns below them",
    ]


def test_aligned_short_cells_make_a_table_with_a_header() -> None:
    rows = [["Name", "Qty", "Price"], ["Apples", "3", "1.20"], ["Pears", "12", "0.80"], ["Plums", "7", "2.05"]]
    placed = [
        word
        for index, row in enumerate(rows)
        for x, cell in zip((50, 200, 300), row, strict=True)
        for word in words(cell, x, 100 + index * 16)
    ]
    placed += words("A closing sentence under the table.", 50, 100 + 4 * 16 + 10)
    regions = layout(placed)
    assert regions[0].table is not None
    assert regions[0].table.header == rows[0]
    assert regions[0].table.rows == rows[1:]
    assert texts(regions)[1:] == ["A closing sentence under the table."]


def test_two_columns_of_prose_are_not_a_table() -> None:
    prose = ["the quick brown fox jumps over the lazy dog again"] * 5
    placed = column(prose, 50, 100) + column(prose, 350, 100)
    tables, _rest = find_tables(rows_of(placed))
    assert tables == []


def test_lines_and_words_are_joined_as_text() -> None:
    assert join_lines(["a hyphen-", "ated word", "and a dash -", "alone"]) == "a hyphenated word and a dash - alone"
    assert join_lines(["中文的", "句子"]) == "中文的句子"
    assert join_words(["中", "文", "and", "English"]) == "中文 and English"


def test_ocr_lines_are_scaled_filtered_and_grouped() -> None:
    recognised = [
        OcrLine("Scanned heading line", 100, 100, 700, 140, 0.99),
        OcrLine("noise", 10, 10, 30, 20, 0.1),
        OcrLine("next line of the block", 100, 150, 720, 190, 0.95),
    ]
    regions = ocr_paragraphs(recognised, scale=2.0)
    assert texts(regions) == ["Scanned heading line next line of the block"]
    assert (regions[0].x0, regions[0].x1, regions[0].top, regions[0].bottom) == (50, 360, 50, 95)
    assert all(isinstance(line, Line) and line.ocr for line in regions[0].lines)


def test_a_short_right_column_is_read_after_the_whole_left_one() -> None:
    left = [f"left line {index} of the longer column" for index in range(12)]
    right = [f"right line {index} here" for index in range(3)]
    placed = column(left[:4], 50, 100) + column(left[4:], 50, 100 + 4 * PITCH + 12) + column(right, 320, 100)
    assert texts(layout(placed)) == [
        " ".join(left[:4]),
        " ".join(left[4:]),
        " ".join(right),
    ]


def test_a_centred_line_is_read_before_a_heading_below_it_on_the_left() -> None:
    placed = (
        words("Document Title Spanning", 150, 60, size=16)
        + words("Author Name", 200, 100)
        + words("1. Introduction", 50, 150, size=12, bold=True)
        + column(["The body of the document starts here and runs", "across the whole width of the page"], 80, 180)
    )
    assert texts(layout(placed)) == [
        "Document Title Spanning",
        "Author Name",
        "1. Introduction",
        "The body of the document starts here and runs across the whole width of the page",
    ]
