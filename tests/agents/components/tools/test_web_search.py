"""The web search tools against a local server speaking each service's own format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.agents.components.tools.stand_ins import TAVILY_KEY, StandIns
from tests.agents.components.tools.support import call_tool, node_error, run_node, tool_services
from tests.agents.scripted import answer, component, dsl, run


@pytest.fixture
def service() -> Iterator[StandIns]:
    server = StandIns().start()
    yield server
    server.close()


def search_settings(server: StandIns) -> dict[str, Any]:
    return {
        "search": {
            "searxng_url": f"{server.url}/searxng",
            "tavily_api_key": TAVILY_KEY,
            "tavily_url": f"{server.url}/tavily",
            "duckduckgo_url": f"{server.url}/duckduckgo/html/",
            "wikipedia_url": f"{server.url}/{{language}}/w/api.php",
            "arxiv_url": f"{server.url}/arxiv/api/query",
            "pubmed_url": f"{server.url}/pubmed",
            "pubmed_email": "ops@example.com",
        }
    }


def test_searxng_results_join_the_reference_and_come_out_numbered(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        events, state = run_node("SearXNG", "{Tool:1@formalized_content}", services, query="pandas", top_n=5)
    sent = service.requests[0]
    assert (sent.path, sent.query["q"], sent.query["format"]) == ("/searxng/search", ["pandas"], ["json"])
    assert answer(events).startswith("ID: 0\nTitle: Pandas\nURL: https://pandas.example/\nContent: Pandas eat bamboo.")
    assert "ID: 1\nTitle: Bamboo" in answer(events)
    chunks = state.references["chunks"]
    assert [chunk["document_name"] for chunk in chunks.values()] == ["Pandas", "Bamboo"]  # the empty one is left out
    assert chunks["0"]["url"] == "https://pandas.example/"
    assert chunks["0"]["similarity"] == 2.5
    assert [aggregate["doc_name"] for aggregate in state.references["doc_aggs"].values()] == ["Pandas", "Bamboo"]
    assert len(state.outputs["Tool:1"]["json"]) == 3
    end = next(event for event in events if str(event.kind) == "message_end")
    assert end.data["reference"]["chunks"]["1"]["document_name"] == "Bamboo"


def test_tavily_sends_the_operator_s_key_and_the_model_s_options(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, state = call_tool(
            "TavilySearch",
            {"query": "panda cubs", "topic": "news", "include_domains": ["news.example"]},
            services,
            api_key="the-dsl-s-own-key",
            max_results=4,
        )
    sent = service.requests[0]
    assert sent.headers["Authorization"] == f"Bearer {TAVILY_KEY}"
    body = sent.json()
    assert (body["query"], body["topic"], body["max_results"], body["include_domains"]) == (
        "panda cubs",
        "news",
        4,
        ["news.example"],
    )
    assert "Content: About panda cubs." in outputs["formalized_content"]
    assert state.references["chunks"]["0"]["similarity"] == 0.9


def test_tavily_extract_reads_pages(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, _ = call_tool(
            "TavilyExtract", {"urls": "https://a.example/, https://b.example/"}, services, format="text"
        )
    assert service.requests[0].json()["urls"] == ["https://a.example/", "https://b.example/"]
    assert [page["url"] for page in outputs["json"]] == ["https://a.example/", "https://b.example/"]
    assert "Content: Text of https://a.example/" in outputs["formalized_content"]


def test_duckduckgo_reads_the_result_page_without_ads(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, _ = call_tool("DuckDuckGo", {"query": "panda diet"}, services, top_n=5)
    assert service.requests[0].method == "POST"
    assert outputs["json"] == [
        {
            "title": "Giant panda diet",
            "href": "https://pandas.example/diet",
            "body": "Pandas eat bamboo almost exclusively.",
        },
        {"title": "Pandas at the zoo", "href": "https://zoo.example/pandas", "body": "Visit the pandas."},
    ]


def test_wikipedia_asks_the_configured_language_s_wiki(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, _ = call_tool("Wikipedia", {"query": "giant panda"}, services, language="de", top_n=2)
        nothing, _ = call_tool("Wikipedia", {"query": "nothing"}, services)
    assert service.requests[0].path == "/de/w/api.php"
    assert [page["title"] for page in outputs["json"]] == ["Giant panda", "Bamboo"]
    assert "URL: https://de.wikipedia.org/wiki/Giant_panda" in outputs["formalized_content"]
    assert nothing == {"formalized_content": "", "json": []}


def test_arxiv_reads_the_atom_feed(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, _ = call_tool("ArXiv", {"query": "attention"}, services, sort_by="relevance")
    assert service.requests[0].query["search_query"] == ["all:attention"]
    assert service.requests[0].query["sortBy"] == ["relevance"]
    first = outputs["json"][0]
    assert (first["title"], first["pdf_url"], first["authors"]) == (
        "Attention Is Still All You Need",
        "http://arxiv.org/pdf/2401.00001v1",
        ["Ada Lovelace"],
    )
    assert "Content: We revisit attention." in outputs["formalized_content"]


def test_pubmed_searches_then_fetches_the_articles(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, _ = call_tool("PubMed", {"query": "bamboo"}, services)
    assert [request.path for request in service.requests] == ["/pubmed/esearch.fcgi", "/pubmed/efetch.fcgi"]
    assert service.requests[0].query["email"] == ["ops@example.com"]
    assert "Title: Bamboo and pandas\nAuthors: Marie Curie\nJournal: Journal of Bamboo" in outputs["formalized_content"]
    assert "DOI: 10.1/bamboo" in outputs["formalized_content"]
    assert outputs["json"][0]["url"] == "https://pubmed.ncbi.nlm.nih.gov/111/"


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        ("SearXNG", "agents.search.searxng_url"),
        ("TavilySearch", "agents.search.tavily_api_key"),
        ("DuckDuckGo", "agents.search.duckduckgo_url"),
        ("Wikipedia", "agents.search.wikipedia_url"),
        ("ArXiv", "agents.search.arxiv_url"),
        ("PubMed", "agents.search.pubmed_url"),
    ],
)
def test_an_unconfigured_service_is_refused_naming_its_setting(name: str, setting: str) -> None:
    with tool_services() as services:
        events, _ = run_node(name, "{Tool:1@formalized_content}", services, searxng_url="http://127.0.0.1:1")
    assert f"is not configured: the operator sets {setting}" in node_error(events)


def test_a_failing_service_names_the_failure_not_its_answer(service: StandIns) -> None:
    settings = search_settings(service)
    settings["search"]["tavily_api_key"] = "wrong"
    with tool_services(**settings) as services:
        events, _ = run_node("TavilySearch", "{Tool:1@formalized_content}", services)
    assert "Tavily search at " in node_error(events)
    assert "HTTP 401" in node_error(events)
    assert "Unauthorized" not in node_error(events)


def test_an_empty_query_finds_nothing_without_calling(service: StandIns) -> None:
    with tool_services(**search_settings(service)) as services:
        outputs, _ = call_tool("SearXNG", {"query": "  "}, services, query="")
    assert outputs == {"formalized_content": "", "json": []}
    assert service.requests == []


def test_every_search_tool_offers_its_function() -> None:
    from ragloom.agents import Canvas, builtin_components
    from tests.agents.components.tools.support import node_flow

    names = {}
    for tool in ("SearXNG", "TavilySearch", "TavilyExtract", "DuckDuckGo", "Wikipedia", "ArXiv", "PubMed"):
        spec = Canvas.build(node_flow(tool, ""), builtin_components()).components["Tool:1"].tool_spec()
        assert spec is not None
        names[tool] = spec.name
        assert spec.parameters["type"] == "object"
    assert names["TavilySearch"] == "tavily_search"
    assert names["ArXiv"] == "arxiv_search"


def test_a_result_found_twice_in_a_run_is_cited_once(service: StandIns) -> None:
    flow = dsl(
        begin=component("Begin", ["Search:1"]),
        **{
            "Search:1": component("SearXNG", ["Search:2"]),
            "Search:2": component("SearXNG", ["Message:1"]),
            "Message:1": component("Message", content=["{Search:2@formalized_content}"]),
        },
    )
    with tool_services(**search_settings(service)) as services:
        events, state = run(flow, "pandas", services=services)
    assert len(service.requests) == 2
    assert len(state.references["chunks"]) == 2
    assert answer(events).startswith("ID: 0\nTitle: Pandas")
    assert "ID: 1\nTitle: Bamboo" in answer(events)
