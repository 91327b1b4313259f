"""PubMed through NCBI's E-utilities: ``esearch`` finds the ids, ``efetch`` the articles (XML),
each shown as RAGFlow shows it: title, authors, journal, volume, issue, pages, DOI, abstract."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

from ragloom.agents.toolbox import WebResult, WebSearch
from ragloom.providers.tools.search.base import Endpoint, json_of, unexpected, xml_of

WHAT = "PubMed"
ARTICLE_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"


def search(endpoint: Endpoint, search: WebSearch) -> list[WebResult]:
    """Articles matching the query, most relevant first."""
    base = endpoint.url.rstrip("/")
    identity: dict[str, Any] = {"tool": "ragloom", "email": endpoint.email} if endpoint.email else {"tool": "ragloom"}
    found = json_of(
        endpoint.call(
            WHAT,
            "get",
            f"{base}/esearch.fcgi",
            params={"db": "pubmed", "term": search.query, "retmax": search.top_n, "retmode": "json", **identity},
        ),
        WHAT,
    )
    result = found.get("esearchresult") if isinstance(found, dict) else None
    ids = result.get("idlist") if isinstance(result, dict) else None
    if not isinstance(ids, list):
        raise unexpected(WHAT, "no list of ids")
    if not ids:
        return []
    articles = xml_of(
        endpoint.call(
            WHAT,
            "get",
            f"{base}/efetch.fcgi",
            params={"db": "pubmed", "id": ",".join(str(item) for item in ids), "retmode": "xml", **identity},
        ),
        WHAT,
    )
    return [_result(article) for article in articles.findall("PubmedArticle")[: search.top_n]]


def _result(article: ElementTree.Element) -> WebResult:
    title = _text(article, "MedlineCitation/Article/ArticleTitle") or "No title"
    pmid = _text(article, "MedlineCitation/PMID")
    authors = [
        " ".join(part for part in (_text(author, "ForeName"), _text(author, "LastName")) if part)
        for author in article.findall(".//AuthorList/Author")
    ]
    abstract = "\n".join(
        "".join(part.itertext()).strip() for part in article.findall("MedlineCitation/Article/Abstract/AbstractText")
    )
    doi = next(
        ("".join(item.itertext()) for item in article.findall(".//ArticleId") if item.get("IdType") == "doi"), ""
    )
    content = "\n".join(
        [
            f"Title: {title}",
            f"Authors: {', '.join(name for name in authors if name) or 'Unknown Authors'}",
            f"Journal: {_text(article, 'MedlineCitation/Article/Journal/Title') or 'Unknown Journal'}",
            f"Volume: {_text(article, 'MedlineCitation/Article/Journal/JournalIssue/Volume') or '-'}",
            f"Issue: {_text(article, 'MedlineCitation/Article/Journal/JournalIssue/Issue') or '-'}",
            f"Pages: {_text(article, 'MedlineCitation/Article/Pagination/MedlinePgn') or '-'}",
            f"DOI: {doi or '-'}",
            f"Abstract: {abstract or 'No abstract available'}",
        ]
    )
    url = ARTICLE_URL.format(pmid) if pmid else ""
    return WebResult(title=title, url=url, content=content, raw={"pmid": pmid, "title": title, "url": url})


def _text(element: ElementTree.Element, path: str) -> str:
    found = element.find(path)
    return "".join(found.itertext()).strip() if found is not None else ""
