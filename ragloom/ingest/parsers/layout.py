"""The geometry of text on a page: words into lines, lines into paragraphs, in reading order.

Shared by the PDF parser (words from the text layer) and by OCR (one recognised line at a
time). Coordinates are points (or pixels) from the page's top-left corner. The heuristics,
all relative to the font size so they hold at any scale:

* a *row* is the words whose vertical centres fall within the tallest word's band;
* a row splits into *lines* where the gap between two words exceeds one font size, so the
  two halves of a two-column page never merge;
* a line joins the paragraph just above it when the vertical gap is no larger than the
  page's usual line gap, its style matches, it overlaps horizontally and it neither starts
  with a bullet nor is indented like a first line;
* paragraphs (and tables, from :mod:`layout_tables`) are ordered by the rule of Breuel's
  reading-order algorithm: *a* before *b* if they overlap horizontally and *a* is above, or
  *a* is left of *b* and nothing spanning both lies between them vertically. Columns are
  therefore read one after the other, and full-width headings split them. Unlike Breuel's,
  the second rule needs evidence of columns (*a* and *b* side by side, or one's column
  going on beside the other), so a centred line is not put after a heading below it.
"""

from __future__ import annotations

import heapq
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ragloom.ingest.model import Table
from ragloom.ingest.ocr import OcrLine

LINE_GAP = 1.0  # a horizontal gap wider than this many font sizes ends a line
_LABEL_WIDTH = 4.0  # a piece at most this many font sizes wide is a label for what follows it
_LABEL_GAP = 3.0  # ... when what follows is at most this many font sizes away
_INDENT = 1.5  # a first line indented by more than this many font sizes starts a paragraph
MIN_OCR_SCORE = 0.5  # recognised lines the engine is less sure of are mostly noise
_MAX_ORDERED = 150  # beyond this many regions on a page, fall back to top-to-bottom, left-to-right
BULLET = re.compile(r"^(?:[•▪◦·●○■□►✓✔➢–—*-]\s|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]\s|\d{1,3}(?:\.\d{1,3})+\.?\s)")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


@dataclass
class Word:
    """A run of characters without a space, with its box and style."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size in points (for OCR: the line height)
    bold: bool = False

    @property
    def center(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Line:
    """Words side by side on one baseline, close enough to be read together (not changed once made)."""

    words: list[Word]
    ocr: bool = False  # recognised from an image (its size is only an estimate)
    x0: float = field(init=False)
    x1: float = field(init=False)
    top: float = field(init=False)
    bottom: float = field(init=False)

    def __post_init__(self) -> None:
        self.x0 = min(word.x0 for word in self.words)
        self.x1 = max(word.x1 for word in self.words)
        self.top = min(word.top for word in self.words)
        self.bottom = max(word.bottom for word in self.words)

    @property
    def size(self) -> float:
        """The font size most of the line's characters have."""
        weights: dict[float, int] = {}
        for word in self.words:
            weights[word.size] = weights.get(word.size, 0) + len(word.text)
        return max(weights, key=lambda size: (weights[size], size))

    @property
    def bold(self) -> bool:
        """Whether most of the line's characters are bold."""
        bold = sum(len(word.text) for word in self.words if word.bold)
        return bold * 2 > sum(len(word.text) for word in self.words)

    @property
    def text(self) -> str:
        return join_words(word.text for word in self.words)


@dataclass
class Region:
    """A paragraph (lines) or a table (lines, plus ``table``), with the box around it."""

    lines: list[Line]
    table: Table | None = None
    x0: float = field(init=False)
    x1: float = field(init=False)
    top: float = field(init=False)
    bottom: float = field(init=False)

    def __post_init__(self) -> None:
        self.x0 = min(line.x0 for line in self.lines)
        self.x1 = max(line.x1 for line in self.lines)
        self.top = min(line.top for line in self.lines)
        self.bottom = max(line.bottom for line in self.lines)

    def add(self, line: Line) -> None:
        self.lines.append(line)
        self.x0, self.x1 = min(self.x0, line.x0), max(self.x1, line.x1)
        self.top, self.bottom = min(self.top, line.top), max(self.bottom, line.bottom)

    @property
    def size(self) -> float:
        """The font size most of the region's characters have."""
        weights: dict[float, int] = {}
        for line in self.lines:
            for word in line.words:
                weights[word.size] = weights.get(word.size, 0) + len(word.text)
        return max(weights, key=lambda size: (weights[size], size))

    @property
    def bold(self) -> bool:
        return all(line.bold for line in self.lines)

    @property
    def ocr(self) -> bool:
        return any(line.ocr for line in self.lines)

    @property
    def text(self) -> str:
        if self.table is not None:
            return self.table.to_text()
        return join_lines(line.text for line in self.lines)


def join_words(words: Iterable[str]) -> str:
    """Words of a line joined by spaces, except between two CJK characters."""
    result = ""
    for word in words:
        if result and not (_CJK.match(result[-1]) and _CJK.match(word[0])):
            result += " "
        result += word
    return result


def join_lines(lines: Iterable[str]) -> str:
    """Lines of a paragraph as one string; a word hyphenated across lines is put back together."""
    result = ""
    for line in lines:
        if not result:
            result = line
        elif result.endswith("-") and len(result) > 1 and result[-2].isalpha() and line[:1].islower():
            result = result[:-1] + line
        elif _CJK.match(result[-1]) and _CJK.match(line[0]):
            result += line
        else:
            result += " " + line
    return result


def rows_of(words: Iterable[Word]) -> list[list[Word]]:
    """Words grouped into rows (top to bottom), each row sorted left to right."""
    rows: list[list[Word]] = []
    band: tuple[float, float] = (0.0, -1.0)
    for word in sorted(words, key=lambda word: word.center):
        if rows and band[0] <= word.center <= band[1]:
            rows[-1].append(word)
            if word.bottom - word.top > band[1] - band[0]:
                band = (word.top, word.bottom)
        else:
            rows.append([word])
            band = (word.top, word.bottom)
    for row in rows:
        row.sort(key=lambda word: word.x0)
    return rows


def split_row(row: Sequence[Word], gap: float) -> list[list[Word]]:
    """A row cut wherever two neighbouring words are further apart than ``gap`` font sizes."""
    pieces: list[list[Word]] = []
    for word in row:
        if pieces:
            previous = pieces[-1][-1]
            if word.x0 - previous.x1 <= gap * max(word.size, previous.size):
                pieces[-1].append(word)
                continue
        pieces.append([word])
    return pieces


def lines_of(rows: Iterable[Sequence[Word]]) -> list[Line]:
    """Each row's lines (a row spanning two columns gives two lines).

    A narrow piece (a number, a bullet, a label) stays on the line of what follows it even
    across a wide gap, so "2.1      Scope" and table-of-contents entries read as one line.
    """
    lines: list[Line] = []
    for row in rows:
        pieces = split_row(row, LINE_GAP)
        merged = [pieces[0]]
        for piece in pieces[1:]:
            previous = merged[-1]
            size = max(previous[-1].size, piece[0].size)
            narrow = previous[-1].x1 - previous[0].x0 <= _LABEL_WIDTH * size
            if narrow and piece[0].x0 - previous[-1].x1 <= _LABEL_GAP * size:
                previous.extend(piece)
            else:
                merged.append(piece)
        lines.extend(Line(piece) for piece in merged)
    return lines


def paragraphs_of(lines: Sequence[Line]) -> list[Region]:
    """Lines grouped into paragraphs (see the module docstring for the rules)."""
    ordered = sorted(lines, key=lambda line: (line.top, line.x0))
    limit = _line_gap_limit(ordered)
    paragraphs: list[Region] = []
    open_paragraphs: list[Region] = []  # those whose last line is close enough above to be continued
    for line in ordered:
        height = line.bottom - line.top
        open_paragraphs = [p for p in open_paragraphs if line.top - p.lines[-1].bottom <= limit * height + 1]
        best: Region | None = None
        best_gap = 0.0
        for paragraph in open_paragraphs:
            gap = line.top - paragraph.lines[-1].bottom
            if _continues(paragraph, line, gap, limit) and (best is None or gap < best_gap):
                best, best_gap = paragraph, gap
        if best is None:
            best = Region([line])
            paragraphs.append(best)
            open_paragraphs.append(best)
        else:
            best.add(line)
    return paragraphs


def _continues(paragraph: Region, line: Line, gap: float, limit: float) -> bool:
    last = paragraph.lines[-1]
    height = min(line.bottom - line.top, last.bottom - last.top)
    if gap < -0.3 * height or gap > limit * height:
        return False
    overlap = min(line.x1, last.x1) - max(line.x0, last.x0)
    if overlap <= 0.3 * min(line.x1 - line.x0, last.x1 - last.x0):
        return False
    tolerance = 0.25 if line.ocr or last.ocr else 0.1
    if abs(line.size - last.size) > max(0.6, tolerance * max(line.size, last.size)) or line.bold != last.bold:
        return False
    if line.x0 - last.x0 > _INDENT * line.size:
        return False
    return not BULLET.match(line.text)


def _line_gap_limit(lines: Sequence[Line]) -> float:
    """How far below a line (in line heights) the next line of the same paragraph may start.

    The page's usual gap between consecutive lines sets it, so double-spaced text still
    forms paragraphs while the extra space between paragraphs separates them.
    """
    gaps = []
    for index, line in enumerate(lines):
        height = line.bottom - line.top
        for below in lines[index + 1 : index + 40]:
            gap = below.top - line.bottom
            if gap > 2 * height:
                break
            if gap > -0.3 * height and min(below.x1, line.x1) - max(below.x0, line.x0) > 0:
                gaps.append(gap / height)
                break
    if not gaps:
        return 0.5
    return min(max(0.5, statistics.median(gaps) + 0.35), 2.0)


def reading_order(regions: Sequence[Region]) -> list[Region]:
    """Regions in reading order: columns one after the other, full-width items between them."""
    if len(regions) > _MAX_ORDERED:
        return sorted(regions, key=lambda region: (region.top, region.x0))
    count = len(regions)
    successors: list[list[int]] = [[] for _ in range(count)]
    incoming = [0] * count
    for a in range(count):
        for b in range(count):
            if a != b and _before(regions, a, b):
                successors[a].append(b)
                incoming[b] += 1
    ready = [(regions[index].top, regions[index].x0, index) for index in range(count) if incoming[index] == 0]
    heapq.heapify(ready)
    done = [False] * count
    order: list[Region] = []
    while len(order) < count:
        if not ready:
            # A cycle (the rules are not a strict order on odd layouts): take the topmost left.
            index = min((i for i in range(count) if not done[i]), key=lambda i: (regions[i].top, regions[i].x0))
        else:
            index = heapq.heappop(ready)[2]
            if done[index]:
                continue
        done[index] = True
        order.append(regions[index])
        for successor in successors[index]:
            incoming[successor] -= 1
            if incoming[successor] == 0 and not done[successor]:
                heapq.heappush(ready, (regions[successor].top, regions[successor].x0, successor))
    return order


def _before(regions: Sequence[Region], a_index: int, b_index: int) -> bool:
    a, b = regions[a_index], regions[b_index]
    tolerance = 2.0
    if min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance:
        return (a.top + a.bottom) < (b.top + b.bottom)
    if a.x1 > b.x0 + tolerance:
        return False
    # a is left of b. That makes it come first only where columns are: side by side, or with
    # either one's column going on beside the other (a centred line above a left-aligned
    # heading is not a column).
    side_by_side = min(a.bottom, b.bottom) > max(a.top, b.top)
    upper, lower = (a, b) if a.top <= b.top else (b, a)
    for c in regions:
        if c is a or c is b:
            continue
        if not side_by_side and (_beside(c, b, a) or _beside(c, a, b)):
            side_by_side = True
        between = c.top >= upper.bottom - tolerance and c.bottom <= lower.top + tolerance
        if between and c.x0 < a.x1 and c.x1 > a.x0 and c.x0 < b.x1 and c.x1 > b.x0:
            return False  # something spanning both separates them: a full-width heading or figure
    return side_by_side


def _beside(c: Region, column: Region, level: Region) -> bool:
    """Whether ``c`` is in ``column``'s column at ``level``'s height."""
    return c.x0 < column.x1 and c.x1 > column.x0 and c.top < level.bottom and c.bottom > level.top


def ocr_paragraphs(recognised: Iterable[OcrLine], scale: float = 1.0) -> list[Region]:
    """Recognised lines (boxes divided by ``scale``) as paragraphs in reading order."""
    lines = []
    for line in recognised:
        if line.score < MIN_OCR_SCORE or not line.text.strip():
            continue
        top, bottom = line.top / scale, line.bottom / scale
        word = Word(line.text.strip(), line.x0 / scale, line.x1 / scale, top, bottom, bottom - top)
        lines.append(Line([word], ocr=True))
    return reading_order(paragraphs_of(lines))
