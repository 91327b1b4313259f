"""File types and content types by extension."""

from ragloom.services.file_types import FileType, content_type_of, file_type_of, initial_chunk_method


def test_types_by_extension() -> None:
    assert file_type_of("a.PDF") is FileType.PDF
    assert file_type_of("notes.md") is FileType.DOC
    assert file_type_of("photo.jpeg") is FileType.VISUAL
    assert file_type_of("song.mp3") is FileType.AURAL
    assert file_type_of("tool.exe") is None
    assert file_type_of("Makefile") is None


def test_initial_chunk_method() -> None:
    assert initial_chunk_method("a.png", FileType.VISUAL, "naive") == "picture"
    assert initial_chunk_method("a.wav", FileType.AURAL, "naive") == "audio"
    assert initial_chunk_method("a.pptx", FileType.DOC, "naive") == "presentation"
    assert initial_chunk_method("a.eml", FileType.DOC, "qa") == "email"
    assert initial_chunk_method("a.txt", FileType.DOC, "qa") == "qa"


def test_content_types() -> None:
    assert content_type_of("a.pdf", "pdf") == "application/pdf"
    assert content_type_of("a.md", "doc") == "text/markdown"
    assert content_type_of("a.txt", "doc") == "text/plain"
    assert content_type_of("a.pcd", "visual") == "image/pcd"
    assert content_type_of("a.hlp", "doc") == "application/hlp"
    assert content_type_of("noext", "doc") == "application/octet-stream"
