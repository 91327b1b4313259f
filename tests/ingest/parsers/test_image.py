"""Images: OCR'd text as figure blocks with pixel boxes; corrupt files and pixel bombs refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.ocr import OcrLine
from ragloom.ingest.parsers.image import MAX_SIDE, parse
from ragloom.ingest.source import SourceFile
from tests import samples
from tests.ingest.parsers.conftest import ScriptedOcr


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def test_recognised_lines_become_figure_blocks_in_pixels(context: IngestContext, ocr: ScriptedOcr) -> None:
    ocr.lines = [OcrLine("Pallets received 340", 35, 115, 490, 172, 0.99), OcrLine("~", 5, 5, 9, 9, 0.1)]
    document = parse(SourceFile("card.png", samples.make_png_with_text()), {}, context)
    assert document.metadata == {"width": 900, "height": 260}
    assert document.pages == 1
    assert [(block.kind, block.page, block.text) for block in document.blocks] == [
        (BlockKind.FIGURE, 1, "Pallets received 340")
    ]
    assert document.blocks[0].positions[0].as_list() == [1, 35, 490, 115, 172]
    assert ocr.images[0].mode == "RGB"


def test_large_images_are_shrunk_for_ocr_and_boxes_mapped_back(context: IngestContext, ocr: ScriptedOcr) -> None:
    ocr.lines = [OcrLine("wide", 100, 10, 200, 20, 0.9)]
    document = parse(SourceFile("wide.jpg", encoded(Image.new("RGB", (8000, 1000), "white"), "JPEG")), {}, context)
    assert ocr.images[0].size == (MAX_SIDE, 500)
    assert document.blocks[0].positions[0].as_list() == [1, 200, 400, 20, 40]
    assert document.metadata == {"width": 8000, "height": 1000}


def test_transparent_images_are_put_on_white(context: IngestContext, ocr: ScriptedOcr) -> None:
    parse(SourceFile("logo.png", encoded(Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG")), {}, context)
    assert ocr.images[0].getpixel((10, 10)) == (255, 255, 255)


def test_every_page_of_a_tiff_is_read(context: IngestContext, ocr: ScriptedOcr) -> None:
    ocr.lines = [OcrLine("page text", 1, 1, 40, 10, 0.9)]
    page = Image.new("RGB", (60, 40), "white")
    data = encoded(page, "TIFF", save_all=True, append_images=[page, page])
    document = parse(SourceFile("fax.tif", data), {}, context)
    assert document.pages == 3
    assert [block.page for block in document.blocks] == [1, 2, 3]


@pytest.mark.slow
def test_text_in_a_picture_is_found_by_real_ocr() -> None:
    document = parse(SourceFile("card.png", samples.make_png_with_text()), {}, IngestContext())
    assert "Warehouse inventory" in document.text()
    assert "Pallets received 340" in document.text()
    assert all(block.kind is BlockKind.FIGURE for block in document.blocks)


@pytest.mark.parametrize("data", [samples.make_png_with_text()[:400], b"GIF89a" + bytes(100), b"", b"not an image"])
def test_corrupt_images_are_refused(context: IngestContext, data: bytes) -> None:
    with pytest.raises(IngestError, match=r"^photo\.png is not a valid image"):
        parse(SourceFile("photo.png", data), {}, context)


@pytest.mark.parametrize("pixels", [(12000, 10000), (20000, 10000)])  # above the warning and the error limits
def test_decompression_bombs_are_refused(context: IngestContext, ocr: ScriptedOcr, pixels: tuple[int, int]) -> None:
    with pytest.raises(IngestError, match=r"^bomb\.png has too many pixels"):
        parse(SourceFile("bomb.png", encoded(Image.new("1", pixels), "PNG")), {}, context)
    assert ocr.images == []
