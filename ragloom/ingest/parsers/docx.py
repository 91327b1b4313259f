"""Word documents (docx): paragraphs and tables of the body, in document order.

The paragraph style decides the kind: "Title" is the document title, "Heading N" (or an
outline level set on the paragraph) a heading of level N, "Caption" a caption, and list
styles or numbering make list items (``level`` is the list depth, from 1); everything
else is text. Content controls are looked into. A table's first row is its header;
merged cells are read once. Headers, footers, footnotes, comments, text boxes and images
are not read. The core properties' title and author go to ``metadata``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.ingest.parsers.office import check_office_file
from ragloom.ingest.source import SourceFile

# What python-docx raises on malformed content; SyntaxError covers lxml's XMLSyntaxError.
_MALFORMED = (KeyError, ValueError, TypeError, IndexError, AttributeError, zipfile.BadZipFile, SyntaxError)
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_PROGRESS_EVERY = 500


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Blocks of the body in document order; title and author in ``metadata``."""
    check_office_file(source, what="Word document")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(source.data))
        metadata = _metadata(document)
        blocks: list[Block] = []
        for count, element in enumerate(_body_elements(document), 1):
            blocks.extend(_blocks(element))
            if count % _PROGRESS_EVERY == 0:
                context.progress(0.5, f"{count} paragraphs and tables read.")
    except (PackageNotFoundError, *_MALFORMED) as error:
        raise IngestError(f"{source.name} is not a valid Word document (it is corrupt or of another kind)") from error
    context.progress(1.0, f"{len(blocks)} blocks read.")
    return ParsedDocument(name=source.name, source_format=source.extension, blocks=blocks, metadata=metadata)


def _metadata(document: Any) -> dict[str, Any]:
    properties = document.core_properties
    found = {"title": properties.title, "author": properties.author}
    return {key: value.strip() for key, value in found.items() if isinstance(value, str) and value.strip()}


def _body_elements(document: Any) -> Iterator[Any]:
    """The body's paragraphs and tables (python-docx objects) in order, inside content controls too."""
    from docx.oxml.ns import qn
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    def walk(container: Any) -> Iterator[Any]:
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                yield Paragraph(child, document.part)
            elif child.tag == qn("w:tbl"):
                yield DocxTable(child, document.part)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from walk(content)

    yield from walk(document.element.body)


def _blocks(element: Any) -> list[Block]:
    from docx.table import Table as DocxTable

    if isinstance(element, DocxTable):
        table = _table(element)
        return [Block(BlockKind.TABLE, table.to_text(), table=table)] if table is not None else []
    text = element.text.strip()
    if not text:
        return []
    kind, level = _kind(element)
    return [Block(kind, text, level=level)]


def _kind(paragraph: Any) -> tuple[BlockKind, int]:
    from docx.oxml.ns import qn

    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    properties = paragraph._p.pPr
    if name.lower() == "title":
        return BlockKind.TITLE, 0
    if heading := _HEADING_STYLE.match(name):
        return BlockKind.HEADING, max(int(heading.group(1)), 1)
    outline = properties.find(qn("w:outlineLvl")) if properties is not None else None
    if outline is not None and (value := outline.get(qn("w:val"), "")).isdigit() and int(value) < 9:
        return BlockKind.HEADING, int(value) + 1
    if name.lower() == "caption":
        return BlockKind.CAPTION, 0
    numbering = properties.find(qn("w:numPr")) if properties is not None else None
    if numbering is not None or name.lower().startswith("list"):
        depth = numbering.find(qn("w:ilvl")) if numbering is not None else None
        value = depth.get(qn("w:val"), "0") if depth is not None else "0"
        return BlockKind.LIST_ITEM, (int(value) if value.isdigit() else 0) + 1
    return BlockKind.TEXT, 0


def _table(element: Any) -> Table | None:
    rows: list[list[str]] = []
    for row in element.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell is returned once per grid column it spans
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(cells)
    if not rows:
        return None
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return Table(rows=rows[1:], header=rows[0])
