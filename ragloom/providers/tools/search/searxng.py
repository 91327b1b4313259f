"""SearXNG, a self-hosted metasearch engine: ``GET /search?format=json``."""

from __future__ import annotations

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.providers.tools.search.base import Endpoint, json_of, text, unexpected

WHAT = "SearXNG"


def search(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """The instance's general results for the query (the instance must allow the JSON format)."""
    answer = endpoint.call(
        WHAT,
        "get",
        endpoint.url.rstrip("/") + "/search",
        params={
            "q": search.query,
            "format": "json",
            "categories": "general",
            "language": "auto",
            "safesearch": 1,
            "pageno": 1,
        },
    )
    data = json_of(answer, WHAT)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise unexpected(WHAT, "no list of results")
    return [
        WebResult(
            title=text(result.get("title")),
            url=text(result.get("url")),
            content=text(result.get("content")),
            score=_score(result.get("score")),
            raw=result,
        )
        for result in results[: search.top_n]
        if isinstance(result, dict)
    ]


def _score(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
