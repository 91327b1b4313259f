"""Web results as a run's reference holds them and as a model reads them.

Each result with text becomes a reference chunk (``message_end`` carries it, an answer cites it
as ``[ID:n]``) whose document is the page: its title and URL. A result already in the run's
reference is not added twice. ``formalized_content`` lists the results numbered by their place
in the reference; ``json`` holds the service's own records.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ragloom.agents.components.base import Invocation
from ragloom.agents.toolbox import WebResult

MAX_CONTENT = 10_000
_INLINE_IMAGE = re.compile(r"!?\[[a-z]+\]\(data:image/[a-z]+;base64,[ 0-9A-Za-z/_=+-]+\)")


def cited(run: Invocation, results: list[WebResult]) -> dict[str, Any]:
    """The outputs of a search that found ``results``: ``formalized_content`` and ``json``."""
    chunks = [chunk for chunk in (_chunk(result) for result in results) if chunk is not None]
    with run.lock:
        known = {str(chunk.get("id")): int(place) for place, chunk in run.state.references["chunks"].items()}
    fresh = [chunk for chunk in chunks if chunk["id"] not in known]
    unique = list({chunk["id"]: chunk for chunk in fresh}.values())
    if unique:
        aggregates = [
            {"doc_name": chunk["document_name"], "doc_id": chunk["document_id"], "count": 1, "url": chunk["url"]}
            for chunk in unique
        ]
        first = run.add_references(unique, aggregates)
        known.update({chunk["id"]: first + offset for offset, chunk in enumerate(unique)})
    blocks = [
        f"ID: {known[chunk['id']]}\nTitle: {chunk['document_name']}\nURL: {chunk['url']}\nContent: {chunk['content']}\n"
        for chunk in chunks
    ]
    return {"formalized_content": "\n".join(blocks), "json": [result.raw for result in results]}


def _chunk(result: WebResult) -> dict[str, Any] | None:
    content = _INLINE_IMAGE.sub("", result.content).strip()[:MAX_CONTENT]
    if not content:
        return None
    identity = hashlib.sha256(f"{result.url}\n{content}".encode()).hexdigest()[:32]
    return {
        "id": identity,
        "content": content,
        "document_id": identity,
        "document_name": result.title or result.url,
        "dataset_id": "",
        "image_id": "",
        "positions": [],
        "url": result.url,
        "similarity": result.score if result.score is not None else 1.0,
    }
