"""Wikipedia through MediaWiki's API: one ``action=query`` with a search generator, answering each
page's title, address and plain-text introduction."""

from __future__ import annotations

from typing import Any

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.providers.tools.search.base import Endpoint, json_of, text, unexpected

WHAT = "Wikipedia"


def search(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """Pages matching the query in the wiki of ``options["language"]`` (the endpoint's ``{language}``)."""
    language = str(search.options.get("language") or "en")
    url = endpoint.url.replace("{language}", language)
    answer = endpoint.call(
        WHAT,
        "get",
        url,
        params={
            "action": "query",
            "format": "json",
            "generator": "search",
            "gsrsearch": search.query,
            "gsrlimit": search.top_n,
            "prop": "extracts|info",
            "exintro": 1,
            "explaintext": 1,
            "exlimit": "max",
            "inprop": "url",
            "redirects": 1,
        },
    )
    data = json_of(answer, WHAT)
    if not isinstance(data, dict):
        raise unexpected(WHAT, "no object")
    query = data.get("query")
    if query is None:
        return []  # MediaWiki leaves ``query`` out when nothing matched
    pages = query.get("pages") if isinstance(query, dict) else None
    if isinstance(pages, dict):
        pages = list(pages.values())
    if not isinstance(pages, list):
        raise unexpected(WHAT, "no pages")
    ranked: list[dict[str, Any]] = sorted(
        (page for page in pages if isinstance(page, dict)), key=lambda page: int(page.get("index") or 0)
    )
    return [
        WebResult(
            title=text(page.get("title")),
            url=text(page.get("fullurl")),
            content=text(page.get("extract")),
            raw={"title": page.get("title"), "url": page.get("fullurl"), "summary": page.get("extract")},
        )
        for page in ranked[: search.top_n]
    ]
