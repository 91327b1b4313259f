"""``paper``: the abstract as one chunk, every other section chunked under its heading.

The abstract is the text after an ``Abstract``/``摘要`` heading, or after such a label
opening a paragraph (``"Abstract—We show …"``), up to the next heading; a line such as
``Keywords: …`` also ends it, and a text line reading ``1 Introduction`` (anywhere) is
taken for a section heading, since PDFs often come without detected headings. The
abstract becomes a single chunk, however long, whose ``important_keywords`` hold the
paper's title (the TITLE block, else the first heading) and the words a reader
asks for it by (``abstract``, ``summary``, ``总结``, ``概括``), as RAGFlow does.

Every other section is merged with the naive method, each chunk starting with the
section's heading and never holding text of two sections; tables are chunks of their
own, under the same heading. What precedes the first heading (title, authors) is chunked
on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ragloom.ingest.chunkers.sections import prefixed_chunks
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument

ABSTRACT_KEYWORDS = ["abstract", "summary", "总结", "概括"]
_ABSTRACT_HEADING = re.compile(r"^\W*(abstract|summary|摘\s*要)\W*$", re.IGNORECASE)
# "Abstract" then punctuation, the end, or a capitalised sentence ("Abstract algebra is …" is not a label).
_ABSTRACT_LABEL = re.compile(r"^\s*(?:((?i:abstract))(?:\s*[:：.—–-]+\s*|\s*$|\s+(?=[A-Z]))|(摘\s*要)\s*[:：.—–-]*\s*)")
# Lines that end an abstract in a PDF whose headings were not detected.
_KEYWORDS_LINE = re.compile(r"^\s*(?:keywords|key words|index terms|关键词|关键字)\b", re.IGNORECASE)
_INTRODUCTION_LINE = re.compile(r"^\s*(?:(?:\d+|[IVX]+)\.?\s+)?(?:introduction|引言|绪论|前言)\s*$", re.IGNORECASE)


@dataclass
class _Part:
    """A run of the paper: the abstract, or a section under ``heading``."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    is_abstract: bool = False


def paper_title(document: ParsedDocument) -> str:
    """The TITLE block's text, else the first heading's, else the ``title`` metadata."""
    for kind in (BlockKind.TITLE, BlockKind.HEADING):
        for block in document.blocks:
            if block.kind is kind and block.text.strip():
                return " ".join(block.text.split())
    title = document.metadata.get("title")
    return str(title).strip() if title else ""


def split_parts(blocks: list[Block]) -> list[_Part]:
    """The paper as parts in reading order; at most one of them is the abstract."""
    parts = [_Part("")]
    abstract: _Part | None = None
    for block in blocks:
        text = block.text.strip()
        in_abstract = abstract is not None and parts[-1] is abstract
        if block.kind is BlockKind.HEADING:
            if abstract is None and _ABSTRACT_HEADING.match(text):
                abstract = _Part(text, is_abstract=True)
                parts.append(abstract)
            else:
                parts.append(_Part(text))
            continue
        if block.kind is BlockKind.TEXT and _INTRODUCTION_LINE.match(text):
            parts.append(_Part(text))  # a section heading the parser took for text
            continue
        if in_abstract and _KEYWORDS_LINE.match(text):
            parts.append(_Part("", [block]))
            continue
        label = _ABSTRACT_LABEL.match(text) if block.kind is BlockKind.TEXT and abstract is None else None
        if label:
            abstract = _Part(label.group(1) or label.group(2), is_abstract=True)
            parts.append(abstract)
            rest = text[label.end() :].strip()
            if rest:
                abstract.blocks.append(Block(BlockKind.TEXT, rest, page=block.page, positions=list(block.positions)))
            continue
        parts[-1].blocks.append(block)
    return parts


def abstract_draft(part: _Part, title: str) -> ChunkDraft | None:
    """The abstract's single chunk (``None`` when it holds no text)."""
    texts = [block.text.strip() for block in part.blocks if block.text.strip()]
    if not texts:
        return None
    keywords = [title, *ABSTRACT_KEYWORDS] if title else list(ABSTRACT_KEYWORDS)
    positions = [position for block in part.blocks for position in block.positions]
    return ChunkDraft("\n".join(texts), positions, important_keywords=keywords)


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """Chunk a paper: the abstract whole, the other sections under their headings."""
    title = paper_title(document)
    drafts: list[ChunkDraft] = []
    for part in split_parts(document.blocks):
        if part.is_abstract:
            draft = abstract_draft(part, title)
            drafts.extend([draft] if draft else [])
        else:
            drafts.extend(prefixed_chunks(part.heading, part.blocks, config))
    context.progress(1.0, f"{len(drafts)} chunks.")
    return drafts
