"""HTML: headings, paragraphs, list items, code and tables in document order.

Parsed with BeautifulSoup and lxml, which repair broken markup rather than fail. Scripts,
styles, forms' controls, embedded media, navigation (``<nav>``, ``role="navigation"``),
hidden elements, and the ``<aside>``/``<footer>`` of the page itself (not of an
``<article>``) are dropped. ``h1``-``h6`` become headings of that level, ``li`` list items (``level`` is their nesting
depth),
``pre`` code, and every other block element (``p``, ``div``, ``blockquote``, ...) a
paragraph of its own text; inline elements join their parent's text. A table's rows become
a :class:`~ragloom.ingest.model.Table` whose header is its first row when that row is all
``th`` cells. ``<title>`` and ``<meta name="author">`` go to ``metadata``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import Comment, Doctype, NavigableString, Tag

from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.ingest.source import SourceFile
from ragloom.ingest.text_decoding import decode_text

_NOISE = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "embed",
    "nav",
    "button",
    "select",
    "input",
    "textarea",
    "head",
]
_NOISE_ROLES = {"navigation", "search", "menu", "menubar"}
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "ol",
    "p",
    "section",
    "summary",
    "td",
    "th",
    "tr",
    "ul",
}
_SPACES = re.compile(r"\s+")


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Blocks in document order; ``metadata["title"]`` from ``<title>``."""
    markup = decode_text(source)
    context.progress(0.2, "HTML decoded.")
    blocks, metadata = html_blocks(markup)
    context.progress(1.0, f"{len(blocks)} blocks read.")
    return ParsedDocument(name=source.name, source_format=source.extension, blocks=blocks, metadata=metadata)


def html_blocks(markup: str) -> tuple[list[Block], dict[str, Any]]:
    """The blocks of an HTML document or fragment, and its title and author if it names them."""
    soup = BeautifulSoup(markup, "lxml")
    metadata: dict[str, Any] = {}
    if soup.title is not None and (title := _clean(soup.title.get_text())):
        metadata["title"] = title
    author = soup.find("meta", attrs={"name": "author"})
    if isinstance(author, Tag) and (content := _clean(str(author.get("content") or ""))):
        metadata["author"] = content
    _drop_noise(soup)
    walker = _Walker()
    walker.walk(soup)
    walker.flush()
    return walker.blocks, metadata


def html_text(markup: str) -> str:
    """The readable text of HTML, one block per line (for e-mail bodies and the like)."""
    blocks, _metadata = html_blocks(markup)
    return "\n".join(block.text for block in blocks)


def _drop_noise(soup: BeautifulSoup) -> None:
    for element in soup.find_all(_NOISE):
        element.decompose()
    for element in soup.find_all(True):
        if element.decomposed:
            continue
        hidden = element.has_attr("hidden") or str(element.get("aria-hidden", "")).lower() == "true"
        navigation = str(element.get("role", "")).lower() in _NOISE_ROLES
        page_chrome = element.name in ("aside", "footer") and element.find_parent(["article", "main"]) is None
        if hidden or navigation or page_chrome:
            element.decompose()


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


class _Walker:
    """Collects inline text until a block element starts or ends, then emits it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._buffer: list[str] = []
        self._kinds: list[BlockKind] = [BlockKind.TEXT]

    def flush(self) -> None:
        text = _clean("".join(self._buffer))
        self._buffer = []
        if text:
            kind = self._kinds[-1]
            level = self._kinds.count(BlockKind.LIST_ITEM) if kind is BlockKind.LIST_ITEM else 0
            self.blocks.append(Block(kind, text, level=level))

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment | Doctype):
                continue
            if isinstance(child, NavigableString):
                self._buffer.append(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, element: Tag) -> None:
        name = element.name
        if name in _HEADINGS:
            self.flush()
            if text := _clean(element.get_text(" ")):
                self.blocks.append(Block(BlockKind.HEADING, text, level=_HEADINGS[name]))
        elif name == "pre":
            self.flush()
            if text := element.get_text().strip("\n"):
                self.blocks.append(Block(BlockKind.CODE, text))
        elif name == "table":
            self.flush()
            self._table(element)
        elif name == "br":
            self._buffer.append(" ")
        elif name in _BLOCKS:
            self.flush()
            self._kinds.append(BlockKind.LIST_ITEM if name == "li" else BlockKind.TEXT)
            self.walk(element)
            self.flush()
            self._kinds.pop()
        else:
            self.walk(element)

    def _table(self, element: Tag) -> None:
        sections = [element, *element.find_all(["thead", "tbody", "tfoot"], recursive=False)]
        rows: list[list[str]] = []
        header_row = False
        for section in sections:
            for row in section.find_all("tr", recursive=False):
                cells = row.find_all(["td", "th"], recursive=False)
                if not rows:
                    header_row = bool(cells) and all(cell.name == "th" for cell in cells)
                texts: list[str] = []
                for cell in cells:
                    texts.append(_clean(cell.get_text(" ")))
                    span = str(cell.get("colspan") or "1")
                    texts.extend([""] * (min(int(span), 100) - 1 if span.isdigit() and int(span) > 1 else 0))
                if any(texts):
                    rows.append(texts)
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        table = Table(rows=rows[1:], header=rows[0]) if header_row else Table(rows=rows)
        caption = element.find("caption")
        if isinstance(caption, Tag):
            table.name = _clean(caption.get_text(" "))
        self.blocks.append(Block(BlockKind.TABLE, table.to_text(), table=table))
