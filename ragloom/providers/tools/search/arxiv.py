"""arXiv's API (``GET /api/query``), answering an Atom feed: each entry's title, summary and PDF link."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.providers.tools.search.base import Endpoint, text, xml_of

WHAT = "arXiv"
ATOM = "{http://www.w3.org/2005/Atom}"
SORTS = ("relevance", "lastUpdatedDate", "submittedDate")


def search(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """Articles matching the query in any field, sorted by ``options["sort_by"]`` (newest first)."""
    sort_by = str(search.options.get("sort_by") or "submittedDate")
    answer = endpoint.call(
        WHAT,
        "get",
        endpoint.url,
        params={
            "search_query": f"all:{search.query}",
            "start": 0,
            "max_results": search.top_n,
            "sortBy": sort_by if sort_by in SORTS else "submittedDate",
            "sortOrder": "descending",
        },
    )
    feed = xml_of(answer, WHAT)
    return [_result(entry) for entry in feed.findall(f"{ATOM}entry")[: search.top_n]]


def _result(entry: ElementTree.Element) -> WebResult:
    title = " ".join(_field(entry, "title").split())
    summary = " ".join(_field(entry, "summary").split())
    entry_id = _field(entry, "id").strip()
    pdf = next(
        (
            str(link.get("href"))
            for link in entry.findall(f"{ATOM}link")
            if link.get("title") == "pdf" or link.get("type") == "application/pdf"
        ),
        entry_id,
    )
    authors = [_field(author, "name").strip() for author in entry.findall(f"{ATOM}author")]
    raw = {
        "title": title,
        "summary": summary,
        "entry_id": entry_id,
        "pdf_url": pdf,
        "published": _field(entry, "published").strip(),
        "authors": authors,
    }
    return WebResult(title=title, url=pdf, content=summary, raw=raw)


def _field(element: ElementTree.Element, name: str) -> str:
    found = element.find(f"{ATOM}{name}")
    return text("".join(found.itertext())) if found is not None else ""
