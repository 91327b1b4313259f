"""Tavily's search (``POST /search``) and extract (``POST /extract``) APIs, with a bearer key."""

from __future__ import annotations

from typing import Any

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.providers.tools.search.base import Endpoint, json_of, text, unexpected

SEARCH = "Tavily search"
EXTRACT = "Tavily extract"


def search(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """Tavily's results for the query; ``options``: ``topic``, ``search_depth``, ``days``,
    ``include_domains``, ``exclude_domains`` (images and raw page text are never asked for)."""
    options = search.options
    payload: dict[str, Any] = {
        "query": search.query,
        "search_depth": options.get("search_depth") or "basic",
        "topic": options.get("topic") or "general",
        "max_results": search.top_n,
        "include_answer": False,
        "include_raw_content": False,
        "include_images": False,
        "include_domains": list(options.get("include_domains") or []),
        "exclude_domains": list(options.get("exclude_domains") or []),
    }
    if payload["topic"] == "news" and options.get("days"):
        payload["days"] = options["days"]
    results = _results(endpoint, "/search", payload, SEARCH)
    return [
        WebResult(
            title=text(result.get("title")),
            url=text(result.get("url")),
            content=text(result.get("raw_content") or result.get("content")),
            score=float(result["score"]) if isinstance(result.get("score"), (int, float)) else None,
            raw=result,
        )
        for result in results[: search.top_n]
    ]


def extract(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """The text of the pages ``options["urls"]`` names; ``options``: ``extract_depth``, ``format``."""
    options = search.options
    payload = {
        "urls": list(options.get("urls") or []),
        "extract_depth": options.get("extract_depth") or "basic",
        "format": options.get("format") or "markdown",
        "include_images": False,
    }
    results = _results(endpoint, "/extract", payload, EXTRACT)
    return [
        WebResult(
            title=text(result.get("url")),
            url=text(result.get("url")),
            content=text(result.get("raw_content")),
            raw=result,
        )
        for result in results
    ]


def _results(endpoint: Endpoint, path: str, payload: dict[str, Any], what: str) -> list[dict[str, Any]]:
    answer = endpoint.call(
        what,
        "post",
        endpoint.url.rstrip("/") + path,
        json=payload,
        headers={"Authorization": f"Bearer {endpoint.api_key}"},
    )
    data = json_of(answer, what)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise unexpected(what, "no list of results")
    return [result for result in results if isinstance(result, dict)]
