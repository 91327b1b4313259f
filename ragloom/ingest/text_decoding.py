"""Turning a text file's bytes into a string, and refusing files that are not text."""

from __future__ import annotations

from charset_normalizer import from_bytes

from ragloom.errors import IngestError
from ragloom.ingest.source import SourceFile

_SAMPLE = 64 * 1024
_MAX_CONTROL_SHARE = 0.05


def decode_text(source: SourceFile) -> str:
    """The file's text: UTF-8 (with or without BOM) first, else the detected encoding.

    Raises :class:`IngestError` for content that is binary (NUL bytes, many control
    characters) or undecodable, whatever the file is named.
    """
    sample = source.data[:_SAMPLE]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"{source.name} is not a text file: it contains binary data")
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(source.data).best()
        if best is None:
            raise IngestError(f"{source.name} is not a text file: its encoding could not be recognised") from None
        text = str(best)
    head = text[:_SAMPLE]
    controls = sum(1 for character in head if ord(character) < 32 and character not in "\n\r\t\f")
    if head and controls / len(head) > _MAX_CONTROL_SHARE:
        raise IngestError(f"{source.name} is not a text file: it is mostly control characters")
    return text.replace("\r\n", "\n").replace("\r", "\n")
