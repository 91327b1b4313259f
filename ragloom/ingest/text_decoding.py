"""Turning a text file's bytes into a string, and refusing files that are not text."""

from __future__ import annotations

from charset_normalizer import from_bytes

from ragloom.errors import IngestError
from ragloom.ingest.source import SourceFile

_SAMPLE = 64 * 1024
_MAX_CONTROL_SHARE = 0.05


def _single_byte_latin(data: bytes) -> str | None:
    """The text as Windows-1252 if every non-ASCII byte stands alone, else ``None``.

    In Latin-1/Windows-1252 text an accented letter is one byte between ASCII ones; in the
    CJK encodings (GBK, Big5, Shift-JIS, EUC) every character is a pair of high bytes.
    Detectors guess poorly on short Western text, so this is decided first.
    """
    previous_high = False
    for index, byte in enumerate(data):
        high = byte >= 0x80
        if high and (previous_high or (index + 1 < len(data) and data[index + 1] >= 0x80)):
            return None
        previous_high = high
    return data.decode("cp1252", errors="replace")


def _detected(source: SourceFile) -> str:
    best = from_bytes(source.data).best()
    if best is None:
        raise IngestError(f"{source.name} is not a text file: its encoding could not be recognised")
    return str(best)


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
        text = _single_byte_latin(source.data) or _detected(source)
    head = text[:_SAMPLE]
    controls = sum(1 for character in head if ord(character) < 32 and character not in "\n\r\t\f")
    if head and controls / len(head) > _MAX_CONTROL_SHARE:
        raise IngestError(f"{source.name} is not a text file: it is mostly control characters")
    return text.replace("\r\n", "\n").replace("\r", "\n")
