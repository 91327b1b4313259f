"""One PDF page as a PNG picture, for showing where a chunk sits on its page.

The picture is the page as displayed (crop box, after rotation) — the same frame chunk
positions are measured in (:mod:`pdf_page`), so a position ``[page, x0, x1, top, bottom]`` in
points lands on the picture at ``scale`` times those numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium

from ragloom.errors import DataError
from ragloom.ingest.parsers.pdf_page import PDFIUM_LOCK


@dataclass(frozen=True)
class PagePicture:
    """A rendered page: PNG bytes, and the page's size in points (what positions are measured in)."""

    png: bytes
    page_width: float
    page_height: float
    pages: int


def render_page(data: bytes, number: int, width: int, *, max_side: int, name: str = "the document") -> PagePicture:
    """Page ``number`` (from 1) of the PDF ``data``, ``width`` pixels wide, or less when its
    height would pass ``max_side`` pixels. A page past the end is refused with the page count."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise DataError(f"{name} cannot be rendered: it is not a readable PDF ({error})") from None
        try:
            count = len(document)
            if not 1 <= number <= count:
                raise DataError(f"Page {number} is out of range: {name} has {count} page{'s' if count != 1 else ''}.")
            page = document[number - 1]
            try:
                page_width, page_height = page.get_size()
                scale = min(width / max(page_width, 1.0), max_side / max(page_width, page_height, 1.0))
                bitmap = page.render(scale=scale)
                try:
                    picture = bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False, compress_level=6)
    return PagePicture(buffer.getvalue(), page_width, page_height, count)
