"""Spreadsheets (xlsx, xls): one table per sheet that has content.

Which reader is used depends on what the file is, not on its name: a ZIP is read with
openpyxl (streaming, cached formula values), an OLE compound file with xlrd, and an HTML
table saved as ".xls" (as many web applications export) with the HTML parser.

Per sheet, empty rows and columns are dropped and the first remaining row is the header.
Cells read as they display: whole numbers without ".0", other numbers to 15 significant
digits, dates (and date-times) in ISO 8601, booleans as TRUE/FALSE. ``Table.name`` and
``Block.page`` are the sheet's name and number; ``ParsedDocument.pages`` counts every sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.ingest.parsers.office import check_office_file, is_compound_file, is_encrypted_package
from ragloom.ingest.source import SourceFile
from ragloom.ingest.text_decoding import decode_text

# What the readers raise on malformed content (they do not wrap their errors); SyntaxError
# covers the XML parsers' errors (xml.etree's ParseError and lxml's XMLSyntaxError).
_MALFORMED = (
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
    OSError,
    struct.error,
    zipfile.BadZipFile,
    SyntaxError,
)


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """A TABLE block per non-empty sheet, in workbook order."""
    data = source.data
    if is_compound_file(data) and not is_encrypted_package(data):
        sheets = _xls_sheets(source)
    elif source.extension == "xls" and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return _html_workbook(source, context)
    else:
        check_office_file(source, what="Excel workbook")
        sheets = _xlsx_sheets(source)
    document = ParsedDocument(name=source.name, source_format=source.extension)
    try:
        for number, (title, rows, count) in enumerate(sheets, 1):
            context.progress(number / (count + 1), f"Reading sheet {title!r}.")
            document.pages = count
            table = _table(title, rows)
            if table is not None:
                document.blocks.append(Block(BlockKind.TABLE, table.to_text(), page=number, table=table))
    except _MALFORMED as error:
        raise IngestError(f"{source.name} is not a valid Excel workbook (it is corrupt or of another kind)") from error
    context.progress(1.0, f"{len(document.blocks)} of {document.pages} sheets have content.")
    return document


_Sheet = tuple[str, Iterable[Iterable[Any]], int]  # title, rows of cell values, number of sheets


def _xlsx_sheets(source: SourceFile) -> Iterable[_Sheet]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except (*_MALFORMED, InvalidFileException) as error:
        raise IngestError(f"{source.name} is not a valid Excel workbook (it is corrupt or of another kind)") from error
    try:
        count = len(workbook.worksheets)
        for sheet in workbook.worksheets:
            yield sheet.title, sheet.iter_rows(values_only=True), count
    finally:
        workbook.close()


def _xls_sheets(source: SourceFile) -> Iterable[_Sheet]:
    import xlrd

    corrupt = (*_MALFORMED, xlrd.XLRDError, xlrd.compdoc.CompDocError, AssertionError)
    try:
        # xlrd reports oddities by printing to its log file (stdout unless told otherwise).
        book = xlrd.open_workbook(file_contents=source.data, on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as error:
        if "encrypted" in str(error).lower():
            raise IngestError(
                f"{source.name} is password-protected; remove the password and upload it again"
            ) from error
        raise IngestError(f"{source.name} is not a valid Excel workbook ({error})") from error
    except corrupt as error:
        raise IngestError(f"{source.name} is not a valid Excel workbook (it is corrupt)") from error
    try:
        count = book.nsheets
        for index in range(count):
            try:
                sheet = book.sheet_by_index(index)
            except corrupt as error:
                raise IngestError(
                    f"{source.name} is not a valid Excel workbook (sheet {index + 1} is corrupt)"
                ) from error
            yield sheet.name, _xls_rows(sheet, book.datemode), count
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _xls_rows(sheet: Any, datemode: int) -> Iterable[list[Any]]:
    import xlrd

    for row in range(sheet.nrows):
        values: list[Any] = []
        for cell in sheet.row(row):
            if cell.ctype == xlrd.XL_CELL_DATE:
                values.append(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                values.append(bool(cell.value))
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                values.append(xlrd.error_text_from_code.get(cell.value, "#ERR"))
            else:
                values.append(cell.value)
        yield values


def _html_workbook(source: SourceFile, context: IngestContext) -> ParsedDocument:
    from ragloom.ingest.parsers.html import html_blocks

    blocks, _metadata = html_blocks(decode_text(source))
    tables = [block for block in blocks if block.kind is BlockKind.TABLE]
    if not tables:
        raise IngestError(f"{source.name} is not a valid Excel workbook (it is an HTML page without tables)")
    for number, block in enumerate(tables, 1):
        block.page = number
    context.progress(1.0, f"{len(tables)} tables read.")
    return ParsedDocument(name=source.name, source_format=source.extension, blocks=tables, pages=len(tables))


def _table(title: str, values: Iterable[Iterable[Any]]) -> Table | None:
    """The sheet's non-empty rows and columns, or ``None`` if no cell has content."""
    rows = [[cell_text(value) for value in row] for row in values]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    used = [column for column in range(width) if any(row[column] for row in rows)]
    rows = [[row[column] for column in used] for row in rows]
    return Table(rows=rows[1:], header=rows[0], name=title)


def cell_text(value: Any) -> str:
    """A cell value as the sheet displays it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()
