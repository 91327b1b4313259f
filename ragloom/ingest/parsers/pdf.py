"""PDF: the text layer laid out into headings, paragraphs and tables; scanned pages through OCR.

Pages are read one at a time (and closed) with pdfium. On each page words are grouped
into lines, paragraphs and simple tables and put in reading order by :mod:`layout`
(two-column pages read column by column). A page with (almost) no text but a picture, or
whose fonts yield no real text, is rendered at 200 dpi and recognised with OCR, unless
``parser_config["layout_recognize"]`` is ``"Plain Text"``.

Page numbers, and lines repeated in the top or bottom margin of several pages (running
headers and footers), are dropped. Headings are found once all pages are read: the body size is the font size most
characters have; short paragraphs set larger than it, or bold at its size, are headings,
the largest size being level 1. OCR'd text never becomes a heading (its size is only an
estimate).

``parser_config["pages"]`` (``[[from, to], ...]``, 1-based, inclusive) limits which pages
are read; ``ParsedDocument.pages`` is always the document's page count.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Position, Table
from ragloom.ingest.parsers.layout import (
    BULLET,
    lines_of,
    ocr_paragraphs,
    paragraphs_of,
    reading_order,
    rows_of,
)
from ragloom.ingest.parsers.layout_tables import find_tables
from ragloom.ingest.parsers.pdf_page import PDFIUM_LOCK, PageContent, read_page
from ragloom.ingest.source import SourceFile

_MAX_HEADING_LINES = 3
_MAX_HEADING_CHARACTERS = 200
_MAX_LEVEL = 6
_MARGIN = 0.08  # the top and bottom 8 % of a page are where running headers and footers live
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?(?:\d+|[ivxlcdm]+)(?:\s*(?:of|/)\s*\d+)?$", re.IGNORECASE)


@dataclass
class _Draft:
    """A region reduced to what the document-wide heading pass needs (words are let go)."""

    page: int
    text: str
    position: Position
    size: float
    bold: bool
    lines: int
    ocr: bool
    listed: bool
    table: Table | None


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Blocks of every selected page in reading order, each with its page and box in points."""
    ranges = _page_ranges(config.get("pages"))
    allow_ocr = str(config.get("layout_recognize") or "").strip().lower() != "plain text"
    with PDFIUM_LOCK:
        document = _open(source)
    drafts: list[_Draft] = []
    heights: dict[int, float] = {}
    try:
        with PDFIUM_LOCK:
            count = len(document)
            metadata = _metadata(document)
        numbers = [number for number in range(1, count + 1) if _selected(number, ranges)]
        for done, number in enumerate(numbers):
            context.progress(done / max(len(numbers), 1), f"Reading page {number} of {count}.")
            with PDFIUM_LOCK:
                try:
                    content = read_page(document, number - 1, allow_ocr=allow_ocr)
                except pdfium.PdfiumError as error:
                    raise IngestError(f"{source.name}: page {number} could not be read ({error})") from error
            heights[number] = content.height
            drafts.extend(_page_drafts(number, content, context))
    finally:
        with PDFIUM_LOCK:
            document.close()
    context.progress(1.0, f"{len(numbers)} of {count} pages read.")
    return ParsedDocument(
        name=source.name,
        source_format="pdf",
        blocks=_blocks(_without_running_heads(drafts, heights)),
        pages=count,
        metadata=metadata,
    )


def _open(source: SourceFile) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source.data)
    except pdfium.PdfiumError as error:
        if error.err_code in (pdfium_raw.FPDF_ERR_PASSWORD, pdfium_raw.FPDF_ERR_SECURITY):
            raise IngestError(
                f"{source.name} is password-protected; remove the password and upload it again"
            ) from error
        raise IngestError(f"{source.name} is not a valid PDF (it is corrupt or truncated)") from error


def _metadata(document: pdfium.PdfDocument) -> dict[str, Any]:
    found = document.get_metadata_dict(skip_empty=True)
    return {key.lower(): str(found[key]).strip() for key in ("Title", "Author") if str(found.get(key, "")).strip()}


def _page_ranges(value: Any) -> list[tuple[int, int]] | None:
    """``parser_config["pages"]`` as (from, to) pairs, or ``None`` for every page."""
    if value is None:
        return None
    message = "parser_config.pages must be a list of [from, to] page ranges, counting from 1"
    if not isinstance(value, list):
        raise IngestError(message)
    ranges = []
    for item in value:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise IngestError(message)
        start, end = item
        if not all(isinstance(bound, int) and not isinstance(bound, bool) for bound in (start, end)) or start < 1:
            raise IngestError(message)
        ranges.append((start, end))
    return ranges


def _selected(number: int, ranges: Sequence[tuple[int, int]] | None) -> bool:
    return ranges is None or any(start <= number <= end for start, end in ranges)


def _page_drafts(number: int, content: PageContent, context: IngestContext) -> list[_Draft]:
    if content.picture is not None:
        regions = ocr_paragraphs(context.ocr.recognize(content.picture), content.scale)
    else:
        tables, rest = find_tables(rows_of(content.words))
        regions = reading_order([*tables, *paragraphs_of(lines_of(rest))])
    drafts = []
    for region in regions:
        text = region.text
        if not text.strip():
            continue
        position = Position(
            number,
            max(region.x0, 0.0),
            min(region.x1, content.width),
            max(region.top, 0.0),
            min(region.bottom, content.height),
        )
        listed = region.table is None and bool(BULLET.match(text))
        drafts.append(
            _Draft(
                number, text, position, region.size, region.bold, len(region.lines), region.ocr, listed, region.table
            )
        )
    return drafts


def _without_running_heads(drafts: Sequence[_Draft], heights: Mapping[int, float]) -> list[_Draft]:
    """Drafts less page numbers and the headers and footers repeated in the page margins."""

    def marginal(draft: _Draft) -> bool:
        height = heights[draft.page]
        box = draft.position
        return draft.table is None and (box.bottom <= _MARGIN * height or box.top >= (1 - _MARGIN) * height)

    def key(draft: _Draft) -> str:
        return re.sub(r"\d+", "#", draft.text.lower()).strip()

    pages_by_key: dict[str, set[int]] = {}
    for draft in drafts:
        if marginal(draft):
            pages_by_key.setdefault(key(draft), set()).add(draft.page)
    return [
        draft
        for draft in drafts
        if not (marginal(draft) and (_PAGE_NUMBER.match(draft.text.strip()) or len(pages_by_key[key(draft)]) > 1))
    ]


def _blocks(drafts: Sequence[_Draft]) -> list[Block]:
    """Drafts as blocks, headings told apart from body text by size and weight."""
    weights: Counter[float] = Counter()
    bold: Counter[float] = Counter()
    for draft in drafts:
        if draft.table is None and not draft.ocr:
            weights[_rounded(draft.size)] += len(draft.text)
            bold[_rounded(draft.size)] += len(draft.text) if draft.bold else 0
    body = weights.most_common(1)[0][0] if weights else 0.0
    # Where the body text itself is set in bold, boldness says nothing about headings.
    bold_matters = bold[body] * 2 < weights[body]
    headings = [draft for draft in drafts if _is_heading(draft, body, bold_matters=bold_matters)]
    styles = sorted(
        {(_rounded(draft.size), draft.bold) for draft in headings}, key=lambda style: (-style[0], not style[1])
    )
    levels = {style: min(rank, _MAX_LEVEL) for rank, style in enumerate(styles, 1)}
    heading_ids = {id(draft) for draft in headings}
    blocks = []
    for draft in drafts:
        if draft.table is not None:
            blocks.append(
                Block(BlockKind.TABLE, draft.text, page=draft.page, positions=[draft.position], table=draft.table)
            )
        elif id(draft) in heading_ids:
            level = levels[(_rounded(draft.size), draft.bold)]
            blocks.append(
                Block(BlockKind.HEADING, draft.text, level=level, page=draft.page, positions=[draft.position])
            )
        else:
            kind = BlockKind.LIST_ITEM if draft.listed else BlockKind.TEXT
            blocks.append(Block(kind, draft.text, page=draft.page, positions=[draft.position]))
    return blocks


def _is_heading(draft: _Draft, body: float, *, bold_matters: bool) -> bool:
    if draft.table is not None or draft.ocr or not body:
        return False
    if draft.listed and not draft.text[:1].isalnum():
        return False  # a bulleted item; numbered ones ("2. Method") may well be headings
    if draft.lines > _MAX_HEADING_LINES or len(draft.text) > _MAX_HEADING_CHARACTERS:
        return False
    if not any(character.isalpha() for character in draft.text):
        return False
    if draft.text.endswith(".") and len(draft.text.split()) > 6:
        return False  # a sentence set large (a pull quote), not a title
    size = _rounded(draft.size)
    return size >= body + max(1.0, 0.1 * body) or (bold_matters and draft.bold and size >= body - 0.5)


def _rounded(size: float) -> float:
    """Sizes to the half point, so 10.02 and 9.98 count as one size."""
    return round(size * 2) / 2
