"""The web search tools: SearXNG, TavilySearch, TavilyExtract, DuckDuckGo, Wikipedia, ArXiv, PubMed.

Each is a canvas node searching for its ``query`` parameter (``{sys.query}`` by default) and an
Agent's function the model calls with a ``query``. The service is the one the operator
configured (``agents.search.*``): a DSL's own endpoint (SearXNG's ``searxng_url``) or key
(Tavily's ``api_key``) is never used, and a service the operator has not configured fails with
a message naming its setting. Results join the run's reference (as RAGFlow's do) and come out
as ``formalized_content`` (numbered for citations) and ``json`` (the service's records); an
empty query finds nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ragloom.agents.components.base import Component, ComponentParams, Invocation, ToolSpec
from ragloom.agents.components.tools.arguments import Argument, Function, given, retried, text_of
from ragloom.agents.components.tools.web_results import cited
from ragloom.agents.toolbox import WebSearch, WebService

SEARCH_TIMEOUT_SECONDS = 60.0
QUERY = Argument("query", "string", "The search keywords: the few most important words of the request.", True)


class WebSearchParams(ComponentParams):
    query: str = "{sys.query}"
    top_n: int = Field(default=10, ge=1, le=100)
    max_retries: int = Field(default=0, ge=0, le=10)
    delay_after_error: float = Field(default=2.0, ge=0, le=60)


class WebSearchTool(Component):
    """A search of one web service; see the module docstring."""

    Params: ClassVar[type[ComponentParams]] = WebSearchParams
    timeout_seconds = SEARCH_TIMEOUT_SECONDS
    service: ClassVar[WebService]
    function: ClassVar[Function]

    def _params(self) -> WebSearchParams:
        assert isinstance(self.params, WebSearchParams)
        return self.params

    def invoke(self, run: Invocation) -> dict[str, Any]:
        return self.search(run, text_of(run, self._params().query), {})

    def tool_spec(self) -> ToolSpec:
        return self.function.spec(self.params.description)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        query = given(arguments, "query", None)
        return self.search(run, str(query) if query is not None else text_of(run, self._params().query), arguments)

    def options(self, arguments: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 (services with options read it)
        """The service's own parameters for this search (the model's ``arguments`` override the DSL's)."""
        return {}

    def top_n(self) -> int:
        return self._params().top_n

    def search(self, run: Invocation, query: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if not query.strip():
            return {"formalized_content": "", "json": []}
        search = WebSearch(self.service, query.strip(), self.top_n(), self.options(arguments))
        params = self._params()
        return cited(
            run, retried(lambda: run.services.toolbox.search_web(search), params.max_retries, params.delay_after_error)
        )


class SearXNGParams(WebSearchParams):
    searxng_url: str = Field(
        default="", description="Ignored: the instance is the operator's agents.search.searxng_url."
    )


class SearXNG(WebSearchTool):
    name = "SearXNG"
    Params = SearXNGParams
    service = "searxng"
    function = Function("searxng_search", "Search the web through a SearXNG metasearch engine.", [QUERY])


class TavilySearchParams(WebSearchParams):
    api_key: str = Field(default="", description="Ignored: the key is the operator's agents.search.tavily_api_key.")
    top_n: int = Field(default=6, ge=1, le=20)
    max_results: int = Field(default=6, ge=1, le=20)
    topic: Literal["general", "news"] = "general"
    search_depth: Literal["basic", "advanced"] = "basic"
    days: int = Field(default=14, ge=1)
    include_domains: list[str] = Field(default_factory=list)
    exclude_domains: list[str] = Field(default_factory=list)


class TavilySearch(WebSearchTool):
    name = "TavilySearch"
    Params = TavilySearchParams
    service = "tavily"
    function = Function(
        "tavily_search",
        "Search the web with Tavily, a search engine made for language models. Start with a specific query "
        "about one aspect, broaden it if needed.",
        [
            QUERY,
            Argument("topic", "string", "`news` for current events, `general` otherwise.", choices=("general", "news")),
            Argument("include_domains", "array", "Only results from these domains.", items="string"),
            Argument("exclude_domains", "array", "No results from these domains.", items="string"),
        ],
    )

    def top_n(self) -> int:
        params = self.params
        assert isinstance(params, TavilySearchParams)
        return params.max_results

    def options(self, arguments: dict[str, Any]) -> dict[str, Any]:
        params = self.params
        assert isinstance(params, TavilySearchParams)
        topic = given(arguments, "topic", params.topic)
        return {
            "topic": topic if topic in ("general", "news") else params.topic,
            "search_depth": params.search_depth,
            "days": params.days,
            "include_domains": _strings(given(arguments, "include_domains", params.include_domains)),
            "exclude_domains": _strings(given(arguments, "exclude_domains", params.exclude_domains)),
        }


class TavilyExtractParams(ComponentParams):
    api_key: str = Field(default="", description="Ignored: the key is the operator's agents.search.tavily_api_key.")
    urls: list[str] | str = Field(default_factory=list)
    extract_depth: Literal["basic", "advanced"] = "basic"
    format: Literal["markdown", "text"] = "markdown"


class TavilyExtract(Component):
    """The text of web pages, through Tavily's extract API (``json``: one record per page)."""

    name = "TavilyExtract"
    Params = TavilyExtractParams
    timeout_seconds = SEARCH_TIMEOUT_SECONDS
    function = Function(
        "tavily_extract",
        "Read the content of web pages, given their URLs, with Tavily.",
        [
            Argument("urls", "array", "The URLs of the pages to read.", True, items="string"),
            Argument(
                "extract_depth",
                "string",
                "`advanced` also reads tables and embedded content.",
                choices=("basic", "advanced"),
            ),
            Argument("format", "string", "The format of the text.", choices=("markdown", "text")),
        ],
    )

    def _params(self) -> TavilyExtractParams:
        assert isinstance(self.params, TavilyExtractParams)
        return self.params

    def invoke(self, run: Invocation) -> dict[str, Any]:
        urls = self._params().urls
        named = [text_of(run, url) for url in urls] if isinstance(urls, list) else [text_of(run, urls)]
        return self.extract(run, named, {})

    def tool_spec(self) -> ToolSpec:
        return self.function.spec(self.params.description)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        urls = given(arguments, "urls", None)
        if urls is None:
            return self.invoke(run)
        return self.extract(run, urls if isinstance(urls, list) else [str(urls)], arguments)

    def extract(self, run: Invocation, urls: list[Any], arguments: dict[str, Any]) -> dict[str, Any]:
        params = self._params()
        wanted = [url.strip() for text in urls for url in str(text).split(",") if url.strip()]
        if not wanted:
            return {"formalized_content": "", "json": []}
        options = {
            "urls": wanted,
            "extract_depth": given(arguments, "extract_depth", params.extract_depth),
            "format": given(arguments, "format", params.format),
        }
        pages = run.services.toolbox.search_web(WebSearch("tavily_extract", "", len(wanted), options))
        text = "\n".join(f"URL: {page.url}\nContent: {page.content}\n" for page in pages)
        return {"formalized_content": text, "json": [page.raw for page in pages]}


class DuckDuckGoParams(WebSearchParams):
    channel: Literal["text", "news", "general"] = "text"


class DuckDuckGo(WebSearchTool):
    """DuckDuckGo's web results (its ``news`` channel searches the same results)."""

    name = "DuckDuckGo"
    Params = DuckDuckGoParams
    service = "duckduckgo"
    function = Function("duckduckgo_search", "Search the web with DuckDuckGo, a privacy-minded search engine.", [QUERY])


WIKIPEDIA_LANGUAGE = r"^[a-z]{2,3}(-[a-z]{2,8})*$"


class WikipediaParams(WebSearchParams):
    language: str = Field(default="en", pattern=WIKIPEDIA_LANGUAGE)


class Wikipedia(WebSearchTool):
    name = "Wikipedia"
    Params = WikipediaParams
    service = "wikipedia"
    function = Function(
        "wikipedia_search",
        "Look up encyclopedia articles on Wikipedia.",
        [Argument("query", "string", "A specific subject, as an article's title would name it.", True)],
    )

    def options(self, arguments: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002
        params = self.params
        assert isinstance(params, WikipediaParams)
        return {"language": params.language}


class ArXivParams(WebSearchParams):
    top_n: int = Field(default=12, ge=1, le=100)
    sort_by: Literal["submittedDate", "lastUpdatedDate", "relevance"] = "submittedDate"


class ArXiv(WebSearchTool):
    name = "ArXiv"
    Params = ArXivParams
    service = "arxiv"
    function = Function(
        "arxiv_search", "Find scholarly preprints on arXiv (physics, mathematics, computer science, …).", [QUERY]
    )

    def options(self, arguments: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002
        params = self.params
        assert isinstance(params, ArXivParams)
        return {"sort_by": params.sort_by}


class PubMedParams(WebSearchParams):
    top_n: int = Field(default=12, ge=1, le=100)
    email: str = Field(
        default="", description="Ignored: the contact address is the operator's agents.search.pubmed_email."
    )


class PubMed(WebSearchTool):
    name = "PubMed"
    Params = PubMedParams
    service = "pubmed"
    function = Function("pubmed_search", "Find biomedical and life-science literature on PubMed.", [QUERY])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value] if isinstance(value, list) else []
