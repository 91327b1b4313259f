"""What kind of file a document is, judged by its extension as RAGFlow does."""

from __future__ import annotations

import mimetypes
from enum import StrEnum


class FileType(StrEnum):
    """The ``type`` field of a document."""

    PDF = "pdf"
    DOC = "doc"
    VISUAL = "visual"
    AURAL = "aural"
    VIRTUAL = "virtual"
    FOLDER = "folder"
    OTHER = "other"


_DOC = (
    "msg eml doc docx ppt pptx yml xml htm json jsonl ldjson csv txt ini xls xlsx wps rtf hlp pages numbers key "
    "md mdx py js java c cpp h php go ts sh cs kt html sql epub"
)
_AURAL = "wav flac ape alac wavpack wv mp3 aac ogg vorbis opus"
_VISUAL = (
    "jpg jpeg png tif gif pcx tga exif fpx svg psd cdr pcd dxf ufo eps ai raw wmf webp avif apng icon ico mpg "
    "mpeg avi rm rmvb mov wmv asf dat asx wvx mpe mpa mp4 mkv"
)

EXTENSION_TYPES: dict[str, FileType] = {
    "pdf": FileType.PDF,
    **dict.fromkeys(_DOC.split(), FileType.DOC),
    **dict.fromkeys(_AURAL.split(), FileType.AURAL),
    **dict.fromkeys(_VISUAL.split(), FileType.VISUAL),
}

_EXTRA_CONTENT_TYPES = {
    "md": "text/markdown",
    "mdx": "text/markdown",
    "jsonl": "application/jsonl",
    "ldjson": "application/x-ndjson",
    "yml": "application/yaml",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
    "webp": "image/webp",
    "avif": "image/avif",
}


def extension_of(name: str) -> str:
    """The lower-cased text after the last dot, or ``""``."""
    _stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


def file_type_of(name: str) -> FileType | None:
    """The document type for ``name``, or ``None`` if the extension is not accepted."""
    return EXTENSION_TYPES.get(extension_of(name))


def initial_chunk_method(name: str, file_type: FileType, dataset_method: str) -> str:
    """The chunk method a new document starts with."""
    extension = extension_of(name)
    if file_type is FileType.VISUAL:
        return "picture"
    if file_type is FileType.AURAL:
        return "audio"
    if extension in {"ppt", "pptx", "pages"}:
        return "presentation"
    if extension in {"msg", "eml"}:
        return "email"
    return dataset_method


def content_type_of(name: str, file_type: str) -> str:
    """The ``Content-Type`` a download of ``name`` is served with."""
    extension = extension_of(name)
    if not extension:
        return "application/octet-stream"
    known = _EXTRA_CONTENT_TYPES.get(extension) or mimetypes.types_map.get(f".{extension}")
    if known:
        return known
    return f"image/{extension}" if file_type == FileType.VISUAL else f"application/{extension}"
