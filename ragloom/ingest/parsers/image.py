"""Images (jpg, png, tif, gif, webp): the text in them, recognised with OCR.

The file is verified before it is decoded; a corrupt file, or one whose pixel count trips
Pillow's decompression-bomb limit, is refused. The picture is turned upright (EXIF
orientation), put on white if transparent, and shrunk to at most :data:`MAX_SIDE` pixels
on its long side before OCR. Recognised lines are grouped into paragraphs, each a FIGURE
block whose position is in pixels of the original image. Every page of a multi-page TIFF
is read (``Block.page`` is the page, from 1); other formats are read at their first frame.
``metadata`` holds the image's ``width`` and ``height``.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Position
from ragloom.ingest.parsers.layout import ocr_paragraphs
from ragloom.ingest.source import SourceFile

MAX_SIDE = 4000
_MAX_FRAMES = 200
# What Pillow raises on malformed content (its decoders do not share one error type).
_MALFORMED = (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, struct.error, EOFError, IndexError)


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """FIGURE blocks of the recognised text, with positions in pixels."""
    with _refusing_bad_images(source):
        with Image.open(io.BytesIO(source.data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(source.data))
        count = min(getattr(image, "n_frames", 1), _MAX_FRAMES) if image.format == "TIFF" else 1
    document = ParsedDocument(name=source.name, source_format=source.extension, pages=count)
    # Frames are decoded one at a time, so a long multi-page scan never sits in memory whole.
    for number in range(1, count + 1):
        context.progress((number - 1) / count, f"Recognising text in image {number} of {count}.")
        with _refusing_bad_images(source):
            image.seek(number - 1)
            frame = _upright_rgb(image)
        if number == 1:
            document.metadata = {"width": frame.width, "height": frame.height}
        scale = min(1.0, MAX_SIDE / max(frame.width, frame.height))
        if scale < 1.0:
            frame = frame.resize((max(round(frame.width * scale), 1), max(round(frame.height * scale), 1)))
        for region in ocr_paragraphs(context.ocr.recognize(frame), scale):
            position = Position(number, region.x0, region.x1, region.top, region.bottom)
            document.blocks.append(Block(BlockKind.FIGURE, region.text, page=number, positions=[position]))
    image.close()
    context.progress(1.0, f"{len(document.blocks)} text regions recognised.")
    return document


@contextmanager
def _refusing_bad_images(source: SourceFile) -> Iterator[None]:
    """Turns Pillow's complaints about a file into an :class:`IngestError`."""
    with warnings.catch_warnings():
        # Pillow only warns between its pixel limit and twice that; both are refused here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise IngestError(f"{source.name} has too many pixels to be read safely ({error})") from error
        except _MALFORMED as error:
            raise IngestError(f"{source.name} is not a valid image (it is corrupt or of an unknown format)") from error


def _upright_rgb(frame: Image.Image) -> Image.Image:
    """The frame decoded, turned upright (EXIF orientation) and in RGB, on white if transparent."""
    upright = ImageOps.exif_transpose(frame)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return upright.convert("RGB")
