"""The parser registry: every supported type has a parser, and no parser fails with anything but IngestError."""

from __future__ import annotations

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import ParsedDocument
from ragloom.ingest.parsers.registry import PARSERS, parser_for
from ragloom.ingest.source import SourceFile
from ragloom.services.file_types import EXTENSION_TYPES
from tests import samples

SAMPLES = {
    "pdf": samples.make_pdf(pages=1, with_table=True),
    "docx": samples.make_docx(),
    "xlsx": samples.make_xlsx(),
    "xls": samples.make_xls(),
    "pptx": samples.make_pptx(),
    "eml": samples.make_eml(),
    "png": samples.make_png_with_text(),
    "html": samples.make_html(),
    "md": samples.make_markdown(),
    "csv": samples.make_csv(),
    "json": samples.make_json(),
    "jsonl": samples.make_json(lines=True),
    "txt": b"plain text\n",
}


def test_the_file_types_of_this_task_have_parsers() -> None:
    expected = "md mdx htm html json jsonl ldjson csv xlsx xls docx pptx pdf eml jpg jpeg png tif gif webp txt py"
    for extension in expected.split():
        assert extension in PARSERS
        assert EXTENSION_TYPES.get(extension) is not None
        assert callable(parser_for(SourceFile(f"a.{extension}", b"")))


def test_an_unsupported_type_names_the_supported_ones() -> None:
    with pytest.raises(IngestError, match=r"Parsing \.rtf files is not supported yet; supported: .*docx.*pdf"):
        parser_for(SourceFile("a.rtf", b""))


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_every_sample_parses_into_blocks(extension: str, context: IngestContext) -> None:
    source = SourceFile(f"sample.{extension}", SAMPLES[extension])
    document = parser_for(source)(source, {}, context)
    assert isinstance(document, ParsedDocument)
    assert document.source_format == extension
    if extension != "png":  # the scripted OCR of this test's context recognises nothing
        assert document.blocks


def _damaged(data: bytes) -> list[bytes]:
    middle = len(data) // 2
    return [b"", data[:middle], data[:middle] + bytes(64) + data[middle + 64 :], bytes(reversed(data))]


@pytest.mark.parametrize("extension", sorted({*SAMPLES, "mdx", "htm", "ldjson", "jpg", "jpeg", "tif", "gif", "webp"}))
def test_damaged_files_give_a_document_or_an_ingest_error(extension: str, context: IngestContext) -> None:
    base = SAMPLES.get(extension) or SAMPLES.get({"mdx": "md", "htm": "html", "ldjson": "jsonl"}.get(extension, "png"))
    assert base is not None
    outcomes = []
    for data in _damaged(base):
        source = SourceFile(f"damaged.{extension}", data)
        try:
            document = parser_for(source)(source, {}, context)
        except IngestError as error:
            outcomes.append(error.message)
        else:
            outcomes.append(type(document).__name__)
    assert all(outcome == "ParsedDocument" or outcome.startswith(f"damaged.{extension}") for outcome in outcomes)
