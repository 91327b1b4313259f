"""A real local HTTP server standing in for the services the tools call, in their own formats.

Paths: ``/searxng/search`` (SearXNG's JSON), ``/tavily/search`` and ``/tavily/extract`` (Tavily's
JSON, bearer key checked), ``/duckduckgo/html/`` (DuckDuckGo's HTML result page, an ad among the
results), ``/<language>/w/api.php`` (MediaWiki's query API), ``/arxiv/api/query`` (arXiv's Atom
feed), ``/pubmed/esearch.fcgi`` and ``/pubmed/efetch.fcgi`` (E-utilities), and for Invoke
``/echo`` (the request as JSON), ``/page`` (HTML), ``/big`` (:data:`BIG` bytes), ``/slow``
(answers after ``delay`` seconds), ``/fail`` (HTTP 500 with :data:`SECRET` in the body) and
``/redirect?to=…``. Every request is recorded: method, path, query, headers, body.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

SECRET = "SECRET-INTERNAL-BODY"
TAVILY_KEY = "tvly-test-key"
BIG = 3 * 1024 * 1024

DUCKDUCKGO_PAGE = """<html><body><div class="serp">
<div class="result results_links result--ad"><h2 class="result__title">
<a class="result__a" href="https://ads.example/buy">Buy pandas now</a></h2>
<a class="result__snippet">An advertisement.</a></div>
<div class="result results_links results_links_deep web-result"><h2 class="result__title">
<a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fpandas.example%2Fdiet&amp;rut=abc">Giant
<b>panda</b> diet</a></h2>
<a class="result__snippet" href="#">Pandas eat <b>bamboo</b> almost exclusively.</a></div>
<div class="result results_links web-result"><h2 class="result__title">
<a class="result__a" href="https://zoo.example/pandas">Pandas at the zoo</a></h2>
<a class="result__snippet">Visit the pandas.</a></div>
</div></body></html>"""

ARXIV_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2401.00001v1</id>
    <published>2024-01-01T00:00:00Z</published>
    <title>Attention Is
      Still All You Need</title>
    <summary>  We revisit attention.  </summary>
    <author><name>Ada Lovelace</name></author>
    <link href="http://arxiv.org/abs/2401.00001v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2401.00001v1" rel="related" type="application/pdf"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2401.00002v1</id>
    <title>Second paper</title>
    <summary>Another summary.</summary>
    <link title="pdf" href="http://arxiv.org/pdf/2401.00002v1" rel="related" type="application/pdf"/>
  </entry>
</feed>"""

PUBMED_ARTICLES = """<?xml version="1.0" ?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID Version="1">111</PMID><Article>
<Journal><JournalIssue><Volume>12</Volume><Issue>3</Issue></JournalIssue><Title>Journal of Bamboo</Title></Journal>
<ArticleTitle>Bamboo and <i>pandas</i></ArticleTitle>
<Pagination><MedlinePgn>1-9</MedlinePgn></Pagination>
<Abstract><AbstractText>Pandas digest bamboo poorly.</AbstractText></Abstract>
<AuthorList><Author><LastName>Curie</LastName><ForeName>Marie</ForeName></Author></AuthorList>
</Article></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="doi">10.1/bamboo</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle>
</PubmedArticleSet>"""


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class StandIns:
    """The server; ``url`` is its base address, ``requests`` what it was sent."""

    requests: list[Recorded] = field(default_factory=list)
    delay: float = 2.0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> StandIns:
        stand_ins = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PUT(self) -> None:
                self._answer("PUT")

            def _answer(self, method: str) -> None:
                parsed = urlparse(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorded = Recorded(method, parsed.path, parse_qs(parsed.query), dict(self.headers.items()), body)
                stand_ins.requests.append(recorded)
                status, content_type, payload, extra = stand_ins.answer(recorded)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda *_args: None  # type: ignore[method-assign]  # clients that hang up
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, request: Recorded) -> tuple[int, str, bytes, dict[str, str]]:
        path = request.path
        if path == "/searxng/search":
            results = [
                {"title": "Pandas", "url": "https://pandas.example/", "content": "Pandas eat bamboo.", "score": 2.5},
                {"title": "Bamboo", "url": "https://bamboo.example/", "content": "Bamboo grows fast.", "score": 1.0},
                {"title": "Empty", "url": "https://empty.example/", "content": ""},
            ]
            return _json({"query": request.query["q"][0], "results": results})
        if path.startswith("/tavily/"):
            if request.headers.get("Authorization") != f"Bearer {TAVILY_KEY}":
                return (
                    401,
                    "application/json",
                    b'{"detail": {"error": "Unauthorized: missing or invalid API key."}}',
                    {},
                )
            if path == "/tavily/search":
                sent = request.json()
                results = [
                    {
                        "title": "Panda news",
                        "url": "https://news.example/panda",
                        "content": f"About {sent['query']}.",
                        "score": 0.9,
                        "raw_content": None,
                    }
                ]
                return _json({"query": sent["query"], "results": results, "response_time": 0.1})
            sent = request.json()
            return _json(
                {
                    "results": [{"url": url, "raw_content": f"Text of {url}"} for url in sent["urls"]],
                    "failed_results": [],
                }
            )
        if path == "/duckduckgo/html/":
            return 200, "text/html; charset=utf-8", DUCKDUCKGO_PAGE.encode(), {}
        if path.endswith("/w/api.php"):
            language = path.split("/")[1]
            pages = {
                "2": {
                    "pageid": 2,
                    "title": "Bamboo",
                    "index": 2,
                    "extract": "Bamboo is a grass.",
                    "fullurl": f"https://{language}.wikipedia.org/wiki/Bamboo",
                },
                "1": {
                    "pageid": 1,
                    "title": "Giant panda",
                    "index": 1,
                    "extract": "The giant panda is a bear.",
                    "fullurl": f"https://{language}.wikipedia.org/wiki/Giant_panda",
                },
            }
            if request.query.get("gsrsearch") == ["nothing"]:
                return _json({"batchcomplete": ""})
            return _json({"batchcomplete": "", "query": {"pages": pages}})
        if path == "/arxiv/api/query":
            return 200, "application/atom+xml; charset=utf-8", ARXIV_FEED.encode(), {}
        if path == "/pubmed/esearch.fcgi":
            return _json({"header": {}, "esearchresult": {"count": "1", "idlist": ["111"]}})
        if path == "/pubmed/efetch.fcgi":
            return 200, "text/xml", PUBMED_ARTICLES.encode(), {}
        return self._invoke_target(request)

    def _invoke_target(self, request: Recorded) -> tuple[int, str, bytes, dict[str, str]]:
        path = request.path
        if path == "/echo":
            body = request.body.decode()
            return _json(
                {
                    "method": request.method,
                    "query": {key: values[0] for key, values in request.query.items()},
                    "body": body,
                    "content_type": request.headers.get("Content-Type", ""),
                    "token": request.headers.get("X-Token", ""),
                }
            )
        if path == "/page":
            page = (
                "<html><head><title>T</title><style>p{}</style></head><body><h1>Pandas</h1>"
                "<script>evil()</script><p>Eat bamboo.</p></body></html>"
            )
            return 200, "text/html", page.encode(), {}
        if path == "/big":
            return 200, "text/plain", b"x" * BIG, {}
        if path == "/slow":
            time.sleep(self.delay)
            return 200, "text/plain", b"late", {}
        if path == "/fail":
            return 500, "text/plain", f"stack trace with {SECRET}".encode(), {}
        if path == "/redirect":
            return 302, "text/plain", b"", {"Location": request.query["to"][0]}
        return 404, "text/plain", b"no such path", {}


def _json(value: Any) -> tuple[int, str, bytes, dict[str, str]]:
    return 200, "application/json", json.dumps(value).encode(), {}
