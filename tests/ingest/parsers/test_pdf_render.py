"""A PDF page as a picture: the page as displayed, in the frame the parser measures positions in,
whatever the page's rotation; a page past the end or a file that is no PDF is refused."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from ragloom.errors import DataError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Position
from ragloom.ingest.parsers.pdf import parse
from ragloom.ingest.parsers.pdf_render import render_page
from ragloom.ingest.source import SourceFile


def corner_words(rotation: int) -> bytes:
    """A Letter page with a word near its top-left and one near its bottom-right corner, turned by
    ``rotation`` degrees through the page's /Rotate."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(612, 792))
    canvas.setFont("Helvetica", 30)
    canvas.drawString(72, 700, "Topleft")
    canvas.drawString(400, 100, "Bottomright")
    canvas.showPage()
    canvas.save()
    document = pdfium.PdfDocument(buffer.getvalue())
    document[0].set_rotation(rotation)
    rotated = io.BytesIO()
    document.save(rotated)
    document.close()
    return rotated.getvalue()


def darkest_in(picture: Image.Image, box: Position, scale: float) -> int:
    crop = (int(box.x0 * scale), int(box.top * scale), int(box.x1 * scale) + 1, int(box.bottom * scale) + 1)
    darkest = picture.crop(crop).getextrema()[0]
    assert not isinstance(darkest, tuple)  # one band
    return int(darkest)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_every_parsed_box_lands_on_its_text_in_the_picture(rotation: int, context: IngestContext) -> None:
    data = corner_words(rotation)
    parsed = parse(SourceFile("corners.pdf", data), {"layout_recognize": "Plain Text"}, context)
    rendered = render_page(data, 1, 400, max_side=4000)
    picture = Image.open(io.BytesIO(rendered.png)).convert("L")
    turned = rotation in {90, 270}
    assert (rendered.page_width, rendered.page_height) == ((792.0, 612.0) if turned else (612.0, 792.0))
    assert picture.size[0] == 400
    assert abs(picture.size[1] - 400 * rendered.page_height / rendered.page_width) <= 1
    scale = picture.size[0] / rendered.page_width
    boxes = [position for block in parsed.blocks for position in block.positions]
    assert boxes
    assert all(darkest_in(picture, box, scale) < 64 for box in boxes), rotation
    # and a box of the page's own white is white: the boxes are not dark by accident
    assert darkest_in(picture, Position(1, 2, 20, 2, 20), scale) == 255


def test_a_page_past_the_end_and_a_file_that_is_no_pdf_are_refused() -> None:
    with pytest.raises(DataError, match=r"^Page 2 is out of range: corners\.pdf has 1 page\.$"):
        render_page(corner_words(0), 2, 400, max_side=4000, name="corners.pdf")
    with pytest.raises(DataError, match=r"^notes\.pdf cannot be rendered: it is not a readable PDF"):
        render_page(b"%PDF-1.4 nothing here", 1, 400, max_side=4000, name="notes.pdf")
