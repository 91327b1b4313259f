"""Reading one PDF page with pdfium: its words with boxes and style, or a picture to OCR.

Everything here calls pdfium, so callers hold :data:`PDFIUM_LOCK` around it. Boxes are
turned into the page as displayed: points from the top-left corner of the crop box, after
the page's rotation.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from PIL import Image

from ragloom.ingest.parsers.layout import Word

PDFIUM_LOCK = threading.Lock()
"""pdfium is not thread-safe, even across documents: every call into it happens under this lock."""

RENDER_DPI = 200
_MAX_RENDER_SIDE = 6000  # pixels; keeps a poster-sized page from needing gigabytes
_MIN_TEXT_CHARACTERS = 20  # fewer than this, and a picture on the page, means the page is scanned
_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demi")
_FORCE_BOLD_FLAG = 1 << 18
_WORD_GAP = 0.25  # a gap wider than this many font sizes between two characters separates words


@dataclass(frozen=True)
class Transform:
    """An axis-aligned map from PDF space (y up, origin at the media box) to the page as
    displayed (y down, origin at the crop box's top-left corner, after rotation)."""

    xx: float
    xy: float
    x: float
    yx: float
    yy: float
    y: float

    def __call__(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """A box in PDF space as (x0, x1, top, bottom) on the displayed page."""
        xa, xb = self.xx * left + self.xy * bottom + self.x, self.xx * right + self.xy * top + self.x
        ya, yb = self.yx * left + self.yy * bottom + self.y, self.yx * right + self.yy * top + self.y
        return min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)


@dataclass
class PageContent:
    """What a page holds: ``words`` from its text layer, or a ``picture`` of it to recognise.

    ``scale`` is pixels per point of the picture.
    """

    width: float
    height: float
    words: list[Word]
    picture: Image.Image | None = None
    scale: float = 1.0


def read_page(document: pdfium.PdfDocument, index: int, *, allow_ocr: bool) -> PageContent:
    """The words of page ``index`` (from 0), or its rendering when it has no usable text layer."""
    page = document[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            words, count, unmapped = _words(textpage, _display_transform(page))
        finally:
            textpage.close()
        garbled = count > 0 and unmapped * 2 > count
        characters = sum(len(word.text) for word in words)
        if allow_ocr and (garbled or (characters < _MIN_TEXT_CHARACTERS and _has_picture(page))):
            scale = min(RENDER_DPI / 72, _MAX_RENDER_SIDE / max(width, height, 1.0))
            bitmap = page.render(scale=scale)
            try:
                picture = bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
            return PageContent(width, height, [], picture, scale)
        # Text outside the crop box is not shown (it is often left over from cropping or imposition).
        shown = [word for word in words if 0 <= (word.x0 + word.x1) / 2 <= width and 0 <= word.center <= height]
        return PageContent(width, height, shown)
    finally:
        page.close()


def _has_picture(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE], max_depth=3))


def _display_transform(page: pdfium.PdfPage) -> Transform:
    """The map from PDF space to the page as displayed (see :class:`Transform`)."""
    left, bottom, right, top = page.get_bbox()
    width, height = right - left, top - bottom
    # (x, y) in PDF space -> (u, v) = (x - left, top - y) from the unrotated top-left corner, then
    # turned clockwise by the page's rotation: 90 -> (height - v, u), 180 -> (width - u, height - v),
    # 270 -> (v, width - u).
    coefficients = {
        0: (1.0, 0.0, -left, 0.0, -1.0, top),
        90: (0.0, 1.0, height - top, 1.0, 0.0, -left),
        180: (-1.0, 0.0, width + left, 0.0, 1.0, height - top),
        270: (0.0, -1.0, top, -1.0, 0.0, width + left),
    }
    return Transform(*coefficients.get(page.get_rotation() % 360, coefficients[0]))


def _words(textpage: pdfium.PdfTextPage, transform: Transform) -> tuple[list[Word], int, int]:
    """The page's words in content order, how many words were read and how many of them
    start with a character that has no Unicode mapping (a font without one yields garbage)."""
    words: list[Word] = []
    text: list[str] = []
    box = [0.0, 0.0, 0.0, 0.0]  # x0, x1, top, bottom of the word being read
    size = 0.0
    bold = False
    unmapped = 0
    rectangle = pdfium_raw.FS_RECTF()
    fonts = _FontStyle(textpage)
    handle = textpage.raw
    # This loop runs once per character of every page: pdfium functions and the transform's
    # coefficients are bound to locals, and style is read once per word.
    get_unicode, get_box = pdfium_raw.FPDFText_GetUnicode, pdfium_raw.FPDFText_GetLooseCharBox
    get_size, unmapped_at = pdfium_raw.FPDFText_GetFontSize, pdfium_raw.FPDFText_HasUnicodeMapError
    ax, bx, cx, ay, by, cy = transform.xx, transform.xy, transform.x, transform.yx, transform.yy, transform.y

    for index in range(textpage.count_chars()):
        code = get_unicode(handle, index)
        if code <= 32 or code >= 0x110000 or chr(code).isspace() or not get_box(handle, index, rectangle):
            if text:
                words.append(Word("".join(text), box[0], box[1], box[2], box[3], size, bold))
                text.clear()
            continue
        left, right, low, high = rectangle.left, rectangle.right, rectangle.bottom, rectangle.top
        x0, x1 = ax * left + bx * low + cx, ax * right + bx * high + cx
        top, bottom = ay * left + by * low + cy, ay * right + by * high + cy
        if x0 > x1:
            x0, x1 = x1, x0
        if top > bottom:
            top, bottom = bottom, top
        if text:
            height = min(bottom - top, box[3] - box[2])
            same_line = min(bottom, box[3]) - max(top, box[2]) >= 0.5 * height
            gap = x0 - box[1]
            if same_line and -size <= gap <= _WORD_GAP * size:
                box[0], box[1] = min(box[0], x0), max(box[1], x1)
                box[2], box[3] = min(box[2], top), max(box[3], bottom)
                text.append(chr(code))
                continue
            words.append(Word("".join(text), box[0], box[1], box[2], box[3], size, bold))
            text.clear()
        box = [x0, x1, top, bottom]
        size = round(float(get_size(handle, index)), 1) or (bottom - top)
        bold = fonts.bold(index)
        unmapped += unmapped_at(handle, index) == 1
        text.append(chr(code))
    if text:
        words.append(Word("".join(text), box[0], box[1], box[2], box[3], size, bold))
    return words, len(words), unmapped


class _FontStyle:
    """Reads whether a character's font is bold: by weight, by the font's force-bold flag, or by
    its name (the standard fonts report no weight). Buffers are reused across characters."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self._textpage = textpage.raw
        self._flags = ctypes.c_int(0)
        self._name = ctypes.create_string_buffer(256)
        self._bold_names: dict[bytes, bool] = {}

    def bold(self, index: int) -> bool:
        if pdfium_raw.FPDFText_GetFontWeight(self._textpage, index) >= 600:
            return True
        pdfium_raw.FPDFText_GetFontInfo(self._textpage, index, self._name, 256, ctypes.byref(self._flags))
        if self._flags.value & _FORCE_BOLD_FLAG:
            return True
        name = self._name.value
        if name not in self._bold_names:
            font = name.decode("latin-1").lower().rpartition("+")[2]
            self._bold_names[name] = any(part in font for part in _BOLD_NAMES)
        return self._bold_names[name]
