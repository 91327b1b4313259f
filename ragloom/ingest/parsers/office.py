"""Checks shared by the Office Open XML parsers (docx, pptx, xlsx) before a library opens a file."""

from __future__ import annotations

from ragloom.errors import IngestError
from ragloom.ingest.source import SourceFile, check_zip_container

COMPOUND_FILE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
"""How an OLE compound file starts: legacy .doc/.xls/.ppt, and password-protected OOXML files."""


def is_compound_file(data: bytes) -> bool:
    """Whether ``data`` is an OLE compound file rather than a ZIP."""
    return data.startswith(COMPOUND_FILE_MAGIC)


def is_encrypted_package(data: bytes) -> bool:
    """Whether a compound file is an encrypted Office Open XML document (it holds an
    "EncryptedPackage" stream; the name is stored in UTF-16 in the file's directory)."""
    return is_compound_file(data) and "EncryptedPackage".encode("utf-16-le") in data


def check_office_file(source: SourceFile, *, what: str) -> None:
    """Refuse, with a message a user can act on, an Office Open XML file that is
    password-protected, really a legacy binary file, corrupt, or a zip bomb."""
    if is_encrypted_package(source.data):
        raise IngestError(f"{source.name} is password-protected; remove the password and upload it again")
    if is_compound_file(source.data):
        raise IngestError(
            f"{source.name} is an older binary Office file, not a {what} file; "
            f"save it as .{source.extension} in Office and upload it again"
        )
    check_zip_container(source, what=what)
