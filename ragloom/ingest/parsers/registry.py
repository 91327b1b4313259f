"""Which parser reads which file type.

Parsers are imported on first use: several pull in heavy libraries (pdfium, OCR models,
office formats) that a process which never meets such a file should not pay for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import ParsedDocument
from ragloom.ingest.source import SourceFile


class Parser(Protocol):
    """Reads one file into blocks in reading order.

    ``config`` is the document's ``parser_config``. A parser reports progress through
    ``context`` (which is also where cancellation is noticed) and raises
    :class:`~ragloom.errors.IngestError` with a message a user can act on when the file is
    corrupt, encrypted, empty of content or otherwise unreadable.
    """

    def __call__(self, source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument: ...


def _text() -> Parser:
    from ragloom.ingest.parsers.text import parse

    return parse


def _markdown() -> Parser:
    from ragloom.ingest.parsers.markdown import parse

    return parse


def _html() -> Parser:
    from ragloom.ingest.parsers.html import parse

    return parse


def _json() -> Parser:
    from ragloom.ingest.parsers.json_lines import parse

    return parse


def _csv() -> Parser:
    from ragloom.ingest.parsers.csv import parse

    return parse


def _spreadsheet() -> Parser:
    from ragloom.ingest.parsers.spreadsheet import parse

    return parse


def _docx() -> Parser:
    from ragloom.ingest.parsers.docx import parse

    return parse


def _pptx() -> Parser:
    from ragloom.ingest.parsers.pptx import parse

    return parse


def _pdf() -> Parser:
    from ragloom.ingest.parsers.pdf import parse

    return parse


def _email() -> Parser:
    from ragloom.ingest.parsers.email import parse

    return parse


def _image() -> Parser:
    from ragloom.ingest.parsers.image import parse

    return parse


_CODE_AND_TEXT = "txt ini py js java c cpp h php go ts sh cs kt sql yml xml"
_IMAGES = "jpg jpeg png tif gif webp"
PARSERS: dict[str, Callable[[], Parser]] = {
    **dict.fromkeys(_CODE_AND_TEXT.split(), _text),
    **dict.fromkeys(("md", "mdx"), _markdown),
    **dict.fromkeys(("htm", "html"), _html),
    **dict.fromkeys(("json", "jsonl", "ldjson"), _json),
    "csv": _csv,
    **dict.fromkeys(("xlsx", "xls"), _spreadsheet),
    "docx": _docx,
    "pptx": _pptx,
    "pdf": _pdf,
    "eml": _email,
    **dict.fromkeys(_IMAGES.split(), _image),
}


def parser_for(source: SourceFile) -> Parser:
    """The parser for ``source``'s extension, or an :class:`IngestError` naming what is supported."""
    factory = PARSERS.get(source.extension)
    if factory is None:
        supported = ", ".join(sorted(PARSERS))
        raise IngestError(
            f"Parsing .{source.extension or '(no extension)'} files is not supported yet; supported: {supported}"
        )
    return factory()
