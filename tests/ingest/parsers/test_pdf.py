"""PDF: headings by font size, paragraphs in reading order with boxes, tables, scanned pages, failures."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.ingest.model import BlockKind, ParsedDocument
from ragloom.ingest.ocr import OcrLine
from ragloom.ingest.parsers.pdf import parse
from ragloom.ingest.parsers.pdf_page import RENDER_DPI, _display_transform
from ragloom.ingest.source import SourceFile
from tests import samples
from tests.ingest.parsers.conftest import Recorder, ScriptedOcr

LETTER = (612.0, 792.0)


def findings(document: ParsedDocument) -> list[int]:
    """The numbers of the "Finding N" paragraphs, in the order the document gives them."""
    return [int(match.group(1)) for block in document.blocks if (match := re.match(r"Finding (\d+) ", block.text))]


def test_headings_get_levels_by_font_size(context: IngestContext) -> None:
    document = parse(SourceFile("report.pdf", samples.make_pdf(pages=2)), {}, context)
    headings = [(block.level, block.text) for block in document.blocks if block.kind is BlockKind.HEADING]
    assert headings[:3] == [(1, samples.PDF_TITLE), (2, "1. Summary"), (3, "Note on ticket backlog")]
    assert (2, "2. Supply Chain") in headings
    assert document.metadata == {"title": samples.PDF_TITLE, "author": samples.PDF_AUTHOR}
    assert document.pages == 2


def test_paragraphs_come_whole_in_order_with_boxes_on_their_page(context: IngestContext) -> None:
    document = parse(SourceFile("report.pdf", samples.make_pdf(pages=2)), {}, context)
    numbers = findings(document)
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) > 10
    first = next(block for block in document.blocks if block.text.startswith("Finding 1 "))
    assert first.text == samples.finding_text(1)
    for block in document.blocks:
        assert block.page in (1, 2)
        assert len(block.positions) == 1
        box = block.positions[0]
        assert box.page == block.page
        assert 0 <= box.x0 < box.x1 <= LETTER[0]
        assert 0 <= box.top < box.bottom <= LETTER[1]
    assert first.positions[0].x0 == pytest.approx(72, abs=1)


def test_two_columns_are_read_one_after_the_other(context: IngestContext) -> None:
    document = parse(SourceFile("columns.pdf", samples.make_pdf(pages=2, two_columns=True)), {}, context)
    numbers = findings(document)
    assert numbers == list(range(1, len(numbers) + 1))
    page_one = [block for block in document.blocks if block.page == 1 and block.text.startswith("Finding")]
    lefts = [block.positions[0].x0 < 300 for block in page_one]
    assert lefts == sorted(lefts, reverse=True)  # every left-column paragraph before every right-column one
    assert True in lefts
    assert False in lefts
    assert not [block for block in document.blocks if block.kind is BlockKind.TABLE]


def test_aligned_rows_become_a_table_with_its_header(context: IngestContext) -> None:
    document = parse(SourceFile("table.pdf", samples.make_pdf(pages=1, with_table=True, two_columns=True)), {}, context)
    tables = [block for block in document.blocks if block.kind is BlockKind.TABLE]
    assert len(tables) == 1
    assert tables[0].table is not None
    assert tables[0].table.header == samples.TABLE_HEADER
    assert tables[0].table.rows == samples.TABLE_ROWS
    kinds = [block.kind for block in document.blocks]
    assert kinds.index(BlockKind.TABLE) == 2  # after the title and the section heading, before the body
    assert "Alice Martin" not in " ".join(block.text for block in document.blocks if block.kind is not BlockKind.TABLE)


def test_page_numbers_in_the_footer_are_dropped(context: IngestContext) -> None:
    document = parse(SourceFile("report.pdf", samples.make_pdf(pages=2)), {}, context)
    assert not [block for block in document.blocks if block.text.startswith("Page ")]


def test_pages_config_limits_the_pages_read(context: IngestContext) -> None:
    document = parse(SourceFile("report.pdf", samples.make_pdf(pages=4)), {"pages": [[2, 2], [4, 9]]}, context)
    assert {block.page for block in document.blocks} == {2, 4}
    assert document.pages == 4


@pytest.mark.parametrize("pages", ["1-2", [[1]], [["1", "2"]], [[0, 3]], [[True, 2]]])
def test_malformed_pages_config_is_refused(context: IngestContext, pages: object) -> None:
    with pytest.raises(IngestError, match=r"parser_config.pages must be a list of \[from, to\]"):
        parse(SourceFile("report.pdf", samples.make_pdf(pages=1)), {"pages": pages}, context)


def test_progress_is_reported_per_page(context: IngestContext, recorder: Recorder) -> None:
    parse(SourceFile("report.pdf", samples.make_pdf(pages=3)), {}, context)
    messages = [message for _fraction, message in recorder.reports]
    assert [message for message in messages if message.startswith("Reading page")] == [
        "Reading page 1 of 3.",
        "Reading page 2 of 3.",
        "Reading page 3 of 3.",
    ]
    fractions = [fraction for fraction, _message in recorder.reports]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0


def test_cancellation_stops_between_pages() -> None:
    context = IngestContext(cancelled=lambda: True)
    with pytest.raises(IngestCancelledError):
        parse(SourceFile("report.pdf", samples.make_pdf(pages=2)), {}, context)


def test_scanned_page_is_rendered_and_recognised_in_points(context: IngestContext, ocr: ScriptedOcr) -> None:
    scale = RENDER_DPI / 72
    ocr.lines = [
        OcrLine("Invoice number 4711", 72 * scale, 100 * scale, 300 * scale, 120 * scale, 0.98),
        OcrLine("smudge", 10, 10, 20, 20, 0.2),
    ]
    document = parse(SourceFile("scan.pdf", samples.make_scanned_pdf()), {}, context)
    assert len(ocr.images) == 1
    assert ocr.images[0].size == (round(LETTER[0] * scale), round(LETTER[1] * scale))
    assert [(block.kind, block.text) for block in document.blocks] == [(BlockKind.TEXT, "Invoice number 4711")]
    box = document.blocks[0].positions[0]
    assert (box.page, box.x0, box.x1, box.top, box.bottom) == pytest.approx((1, 72, 300, 100, 120))


def test_plain_text_layout_never_runs_ocr(context: IngestContext, ocr: ScriptedOcr) -> None:
    document = parse(SourceFile("scan.pdf", samples.make_scanned_pdf()), {"layout_recognize": "Plain Text"}, context)
    assert document.blocks == []
    assert ocr.images == []


def test_pages_with_a_text_layer_are_not_recognised(context: IngestContext, ocr: ScriptedOcr) -> None:
    parse(SourceFile("report.pdf", samples.make_pdf(pages=1)), {}, context)
    assert ocr.images == []


@pytest.mark.slow
def test_scanned_page_text_is_found_by_real_ocr() -> None:
    document = parse(SourceFile("scan.pdf", samples.make_scanned_pdf()), {}, IngestContext())
    text = document.text()
    assert "Invoice number 4711" in text
    assert "1250 EUR" in text
    for block in document.blocks:
        box = block.positions[0]
        assert 0 <= box.x0 < box.x1 <= LETTER[0]
        assert 0 <= box.top < box.bottom <= LETTER[1]


def test_password_protected_pdf_is_refused(context: IngestContext) -> None:
    with pytest.raises(IngestError, match=r"locked\.pdf is password-protected"):
        parse(SourceFile("locked.pdf", samples.encrypted_pdf()), {}, context)


@pytest.mark.parametrize(
    "data", [samples.corrupt_pdf(), samples.make_pdf(pages=3)[:3000], b"", b"<html>not a pdf</html>"]
)
def test_corrupt_pdf_is_refused(context: IngestContext, data: bytes) -> None:
    with pytest.raises(IngestError, match=r"broken\.pdf is not a valid PDF"):
        parse(SourceFile("broken.pdf", data), {}, context)


@pytest.mark.parametrize(
    ("rotation", "expected"),
    [(0, (10, 30, 10, 80)), (90, (700, 770, 10, 30)), (180, (570, 590, 700, 770)), (270, (10, 80, 570, 590))],
)
def test_boxes_are_mapped_to_the_page_as_displayed(rotation: int, expected: tuple[float, ...]) -> None:
    # An unrotated 600 x 780 page (crop box offset by 6 points): a box near its top-left corner.
    page = SimpleNamespace(get_bbox=lambda: (6.0, 6.0, 606.0, 786.0), get_rotation=lambda: rotation)
    transform = _display_transform(page)
    assert transform(16.0, 706.0, 36.0, 776.0) == pytest.approx(expected)


def test_text_outside_the_crop_box_is_not_read_and_boxes_start_at_the_crop_box(context: IngestContext) -> None:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, cropBox=(100, 100, 400, 500), invariant=True)
    canvas.drawString(150, 450, "Inside the visible area")
    canvas.drawString(450, 700, "Cropped away")
    canvas.showPage()
    canvas.save()
    document = parse(SourceFile("cropped.pdf", buffer.getvalue()), {}, context)
    assert [block.text for block in document.blocks] == ["Inside the visible area"]
    box = document.blocks[0].positions[0]
    assert box.x0 == pytest.approx(50, abs=1)
    assert 35 < box.top < 50 < box.bottom < 55  # the baseline is 50 points below the crop box top
