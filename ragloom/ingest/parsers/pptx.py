"""PowerPoint presentations (pptx): per slide, its title, text, tables and speaker notes.

Every block carries its slide number (from 1) as ``page``. A slide's title placeholder
comes first as a heading; its other shapes follow top to bottom, then left to right
(shapes inside groups included): a text frame becomes one text block (its paragraphs on
separate lines), a table a table whose first row is the header. Speaker notes come last,
as text. Charts, pictures and SmartArt are not read. ``ParsedDocument.pages`` is the
number of slides; the core properties' title and author go to ``metadata``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.ingest.parsers.office import check_office_file
from ragloom.ingest.source import SourceFile

# What python-pptx raises on malformed content; SyntaxError covers lxml's XMLSyntaxError.
_MALFORMED = (KeyError, ValueError, TypeError, IndexError, AttributeError, zipfile.BadZipFile, SyntaxError)


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Blocks slide by slide, each with ``page`` set to its slide number."""
    check_office_file(source, what="PowerPoint presentation")
    import pptx
    from pptx.exc import PythonPptxError

    document = ParsedDocument(name=source.name, source_format=source.extension)
    try:
        presentation = pptx.Presentation(io.BytesIO(source.data))
        document.metadata = _metadata(presentation)
        slides = list(presentation.slides)
        document.pages = len(slides)
        for number, slide in enumerate(slides, 1):
            context.progress((number - 1) / len(slides), f"Reading slide {number} of {len(slides)}.")
            document.blocks.extend(_slide_blocks(slide, number))
    except (PythonPptxError, *_MALFORMED) as error:
        raise IngestError(
            f"{source.name} is not a valid PowerPoint presentation (it is corrupt or of another kind)"
        ) from error
    context.progress(1.0, f"{document.pages} slides read.")
    return document


def _metadata(presentation: Any) -> dict[str, Any]:
    properties = presentation.core_properties
    found = {"title": properties.title, "author": properties.author}
    return {key: value.strip() for key, value in found.items() if isinstance(value, str) and value.strip()}


def _slide_blocks(slide: Any, number: int) -> list[Block]:
    blocks: list[Block] = []
    title = slide.shapes.title
    if title is not None and title.has_text_frame and (text := _frame_text(title.text_frame)):
        blocks.append(Block(BlockKind.HEADING, text, level=1, page=number))
    shapes = [shape for shape in _shapes(slide.shapes) if title is None or shape.shape_id != title.shape_id]
    shapes.sort(key=lambda shape: (shape.top or 0, shape.left or 0))
    for shape in shapes:
        if shape.has_table:
            table = _table(shape.table)
            if table is not None:
                blocks.append(Block(BlockKind.TABLE, table.to_text(), page=number, table=table))
        elif shape.has_text_frame and (text := _frame_text(shape.text_frame)):
            blocks.append(Block(BlockKind.TEXT, text, page=number))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and (text := _frame_text(notes)):
            blocks.append(Block(BlockKind.TEXT, text, page=number))
    return blocks


def _shapes(shapes: Any) -> Iterator[Any]:
    """Shapes, with those inside groups in place of their group."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _frame_text(frame: Any) -> str:
    # python-pptx renders a line break inside a paragraph as a vertical tab.
    lines = (paragraph.text.replace("\v", "\n").strip() for paragraph in frame.paragraphs)
    return "\n".join(line for line in lines if line)


def _table(table: Any) -> Table | None:
    rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    return Table(rows=rows[1:], header=rows[0])
