"""``qa``: one chunk per question/answer pair.

- Spreadsheets and CSV: column 1 is the question, column 2 the answer; a first row that
  names the columns (``question``/``answer``, ``问题``/``答案``) is skipped, as are rows
  missing either cell.
- Plain text: one pair per line, cut at the first TAB; a file with no TAB at all is cut
  at the first comma instead. A line without the delimiter continues the previous answer.
- Markdown, DOCX, HTML and PDF: each heading is a question, and the blocks under it up to
  the next heading of the same or an outer level are its answer (subheadings included).

Each chunk's content is ``"Question: {q}\\tAnswer: {a}"``, or ``"问题：{q}\\t回答：{a}"``
when the pair holds Chinese; ``questions`` is ``[q]``. Labels the source already carries
(``Q:``, ``Answer:``, ``问：``) are removed first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.one import inline_text
from ragloom.ingest.chunkers.rows import (
    SPREADSHEET_FORMATS,
    cell,
    is_header,
    line_delimiter,
    split_delimited,
    table_rows,
    tables_of,
    text_lines,
)
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument, Position
from ragloom.nlp.analyzer import has_han

HEADING_FORMATS = frozenset({"md", "markdown", "mdx", "docx", "html", "htm", "pdf"})
TEXT_FORMATS = frozenset({"txt"})
ACCEPTED_FORMATS = SPREADSHEET_FORMATS | HEADING_FORMATS | TEXT_FORMATS
QUESTION_NAMES = frozenset({"question", "questions", "q", "问题", "问"})
ANSWER_NAMES = frozenset({"answer", "answers", "a", "答案", "回答", "答"})
_LABEL = re.compile(r"^\s*(?:question|answer|q|a|问题|答案|回答|问|答)\s*[:：]\s*", re.IGNORECASE)


@dataclass
class QaPair:
    """A question, its answer, and where they are."""

    question: str
    answer: str
    positions: list[Position] = field(default_factory=list)


def strip_label(text: str) -> str:
    """``text`` without a leading ``Q:``/``Answer:``/``问：`` label."""
    return _LABEL.sub("", text.strip(), count=1).strip()


def pair_draft(pair: QaPair) -> ChunkDraft:
    """The chunk of one pair, labelled in Chinese when the pair holds Chinese."""
    question, answer = strip_label(pair.question), strip_label(pair.answer)
    if has_han(question + answer):
        content = f"问题：{question}\t回答：{answer}"
    else:
        content = f"Question: {question}\tAnswer: {answer}"
    return ChunkDraft(content, list(pair.positions), questions=[question])


def spreadsheet_pairs(rows: list[list[str]]) -> list[QaPair]:
    """Pairs from rows of cells: question in column 1, answer in column 2."""
    if rows and is_header(rows[0], QUESTION_NAMES, ANSWER_NAMES):
        rows = rows[1:]
    return [QaPair(cell(row, 0), cell(row, 1)) for row in rows if cell(row, 0) and cell(row, 1)]


def text_pairs(lines: list[str]) -> list[QaPair]:
    """Pairs from lines ``question<TAB>answer`` (or ``question,answer``); other lines continue an answer."""
    delimiter = line_delimiter(lines)
    pairs: list[QaPair] = []
    for line in lines:
        question, found, answer = line.partition(delimiter)
        if found and question.strip():
            pairs.append(QaPair(question.strip(), answer.strip()))
        elif pairs:
            pairs[-1].answer = f"{pairs[-1].answer}\n{line.strip()}".strip()
    if pairs and is_header([pairs[0].question, pairs[0].answer], QUESTION_NAMES, ANSWER_NAMES):
        pairs = pairs[1:]
    return [pair for pair in pairs if pair.answer]


def heading_pairs(blocks: list[Block]) -> list[QaPair]:
    """Each heading with the blocks under it, up to the next heading of the same or an outer level."""
    pairs: list[QaPair] = []
    for index, block in enumerate(blocks):
        if block.kind is not BlockKind.HEADING or not block.text.strip():
            continue
        under: list[Block] = []
        for following in blocks[index + 1 :]:
            if following.kind is BlockKind.HEADING and following.level <= block.level:
                break
            under.append(following)
        answer = "\n".join(text for text in (inline_text(item) for item in under) if text)
        if answer:
            positions = [position for item in [block, *under] for position in item.positions]
            pairs.append(QaPair(block.text.strip(), answer, positions))
    return pairs


def document_pairs(document: ParsedDocument) -> list[QaPair]:
    """The pairs of ``document``, read the way its format calls for."""
    source_format = document.source_format
    if source_format not in ACCEPTED_FORMATS:
        raise IngestError(
            f"The Q&A method does not take .{source_format or '(no extension)'} files; "
            f"it takes: {', '.join(sorted(ACCEPTED_FORMATS))}"
        )
    if source_format in HEADING_FORMATS:
        return heading_pairs(document.blocks)
    tables = tables_of(document)
    if tables:
        return [pair for table in tables for pair in spreadsheet_pairs(table_rows(table))]
    lines = text_lines(document.blocks)
    if source_format in SPREADSHEET_FORMATS:
        # A CSV read as text: an unquoted comma inside the answer spills it over further columns.
        delimiter = "\t" if source_format == "tsv" else ","
        rows = split_delimited("\n".join(lines), delimiter, strip=False)
        return spreadsheet_pairs([[row[0], delimiter.join(row[1:])] for row in rows])
    return text_pairs(lines)


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """One chunk per question/answer pair; no pair found is an :class:`IngestError`."""
    pairs = document_pairs(document)
    if not pairs:
        raise IngestError(
            "No question/answer pairs were found: put questions in column 1 and answers in column 2 "
            "(spreadsheets, CSV), one 'question<TAB>answer' per line (text), or questions as headings "
            "with their answers below (Markdown, DOCX, HTML, PDF)."
        )
    drafts = [pair_draft(pair) for pair in pairs]
    context.progress(1.0, f"{len(drafts)} question/answer pairs.")
    return drafts
