"""DuckDuckGo's HTML search (``POST`` the form ``q`` to https://html.duckduckgo.com/html/), its
result list read from the page: title, link (DuckDuckGo's redirect unwrapped) and snippet."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.providers.tools.search.base import Endpoint

WHAT = "DuckDuckGo"


def search(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """The page's organic results (ads left out), at most ``top_n``."""
    from bs4 import BeautifulSoup, Tag  # lxml and Beautiful Soup load when a search is first made

    answer = endpoint.call(WHAT, "post", endpoint.url, form={"q": search.query, "b": ""})
    page = BeautifulSoup(answer.body, "lxml")
    found: list[WebResult] = []
    for block in page.select("div.result"):
        if "result--ad" in block.get_attribute_list("class"):
            continue
        link = block.select_one("a.result__a")
        if not isinstance(link, Tag):
            continue
        snippet = block.select_one(".result__snippet")
        title = link.get_text(" ", strip=True)
        url = _target(str(link.get("href") or ""))
        body = snippet.get_text(" ", strip=True) if snippet is not None else ""
        found.append(WebResult(title=title, url=url, content=body, raw={"title": title, "href": url, "body": body}))
        if len(found) >= search.top_n:
            break
    return found


def _target(href: str) -> str:
    """The address a result links to: DuckDuckGo wraps it as ``//duckduckgo.com/l/?uddg=<address>``."""
    parsed = urlparse(href)
    if parsed.path.startswith("/l/"):
        wrapped = parse_qs(parsed.query).get("uddg")
        if wrapped:
            return wrapped[0]
    return "https:" + href if href.startswith("//") else href
