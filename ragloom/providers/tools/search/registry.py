"""Each web service by name: its client and the setting that configures it."""

from __future__ import annotations

from dataclasses import dataclass

from ragloom.agents.toolbox import WebService
from ragloom.providers.tools.search import arxiv, duckduckgo, pubmed, searxng, tavily, wikipedia
from ragloom.providers.tools.search.base import SearchClient


@dataclass(frozen=True)
class ServiceEntry:
    """A service: its name in messages, its client, and the ``agents.search`` setting that enables it."""

    title: str
    client: SearchClient
    setting: str


SERVICES: dict[WebService, ServiceEntry] = {
    "searxng": ServiceEntry("SearXNG", searxng.search, "searxng_url"),
    "tavily": ServiceEntry("Tavily", tavily.search, "tavily_api_key"),
    "tavily_extract": ServiceEntry("Tavily", tavily.extract, "tavily_api_key"),
    "duckduckgo": ServiceEntry("DuckDuckGo", duckduckgo.search, "duckduckgo_url"),
    "wikipedia": ServiceEntry("Wikipedia", wikipedia.search, "wikipedia_url"),
    "arxiv": ServiceEntry("arXiv", arxiv.search, "arxiv_url"),
    "pubmed": ServiceEntry("PubMed", pubmed.search, "pubmed_url"),
}
