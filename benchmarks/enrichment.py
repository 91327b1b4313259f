"""Enrichment cost on a 100-page document: model calls, tokens and time per enricher.

The document (the same generated PDF report as ``benchmarks/ingestion.py``) is parsed by the real
pipeline with every enrichment ragloom builds switched on — ``auto_keywords``, ``auto_questions``,
``toc_extraction``, auto-metadata and RAPTOR (``scope: "file"``, after embedding) — then its
dataset's knowledge graph is built (``graphrag`` with ``community``: one call per batch of chunks,
one per community) — against a scripted OpenAI-compatible model server that answers each call
after ``--latency`` seconds (standing in for a remote model; its answers are fixed, so the figures
measure ragloom, not a model). For each enricher it prints the model calls made against the fewest
the configuration implies (for RAPTOR one: how many clusters there are is known only once they are
made; its own time includes clustering and embedding the summaries), the answers taken from the
cache, the tokens sent and received, and the time split into model time and ragloom's own time.
The parse runs once with one call at a time (so that model time is the sum of the calls and the
split is exact), then again with ``--concurrency`` calls in flight, then a re-parse of the same
content, which must make no model call at all. The graph is built once with one call at a time
and rebuilt from the cache.

With ``--local`` the built-in SmolLM2 answers instead (real answers and real model time; use a few
pages: each call takes seconds on a laptop's CPU).

Usage: ``python benchmarks/enrichment.py [--pages 100] [--latency 0.05] [--concurrency 4] [--local]``
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OWN_TIME_TARGET = 0.10
FIELDS = [
    {"key": "author", "type": "string", "description": "who wrote it", "enum": None},
    {"key": "year", "type": "number", "description": None, "enum": None},
]


def graph_answer(user: str) -> str:
    """Two entities of 40 named after the batch, and the relation between them."""
    number = sum(user.encode()) % 1600
    first, second = f"Unit {number % 40}", f"Unit {number // 40}"
    return json.dumps(
        {
            "entities": [
                {"name": first, "type": "organization", "description": f"{first} reports revenue."},
                {"name": second, "type": "organization", "description": f"{second} reports growth."},
            ],
            "relations": [{"source": first, "target": second, "description": "they share a market", "weight": 2}],
        }
    )


def scripted_answer(body: dict[str, Any], latency: float) -> dict[str, Any]:
    """A fixed, readable answer for whichever enricher asks (by its system prompt)."""
    from ragloom.enrich import keywords, metadata, questions, raptor, toc
    from ragloom.enrich.graph import build, extraction

    time.sleep(latency)
    system = body["messages"][0]["content"]
    if system == raptor.SYSTEM:  # a summary that differs with what it summarises
        words = body["messages"][-1]["content"].split()
        return {"content": "In short: " + " ".join(words[8:40])}
    if system == extraction.SYSTEM:
        return {"content": graph_answer(body["messages"][-1]["content"])}
    answers = {
        build.COMMUNITY_SYSTEM: json.dumps({"title": "Units", "summary": "Units that share markets.", "findings": []}),
        keywords.SYSTEM: '["revenue", "quarter", "growth"]',
        questions.SYSTEM: '["How did revenue change this quarter?", "What drove the growth?"]',
        toc.SYSTEM: json.dumps([{"title": "Findings", "level": 1, "chunk": 0}]),
        metadata.SYSTEM: json.dumps({"author": "Finance team", "year": 2026}),
    }
    return {"content": answers[system]}


def run(pages: int, latency: float, concurrency: int, local: bool) -> None:
    from ragloom.enrich import EnrichmentJob, EnrichmentModels, EnrichmentStage
    from ragloom.enrich.graph import GraphBuilder
    from ragloom.enrich.raptor import is_summary
    from ragloom.ingest.context import IngestContext
    from ragloom.ingest.pipeline import IngestPipeline
    from ragloom.services.container import Services
    from ragloom.services.datasets import NewDataset
    from ragloom.services.documents import IncomingFile
    from ragloom.services.tenants import Caller
    from ragloom.settings import ModelSettings, RemoteModel, load_settings
    from tests.openai_server import OpenAIStyleServer
    from tests.samples import make_pdf

    server = OpenAIStyleServer()
    server.chat_reply = lambda body: scripted_answer(body, latency)
    remote = (
        [RemoteModel(**server.model("embedding"))]
        if local
        else [
            RemoteModel(**server.model("chat")),
            RemoteModel(**server.model("embedding")),
        ]
    )
    pdf = make_pdf(pages=pages, with_table=True)
    with tempfile.TemporaryDirectory() as scratch:
        chat = "" if local else "parrot@OpenAI-API-Compatible"  # "": the built-in model
        models = ModelSettings(remote=remote, default_chat_model=chat, isolate=False)
        settings = load_settings(data_dir=Path(scratch), models=models.model_dump())
        services = Services.build(settings)
        issued = services.tenants.issue_key(new_tenant=True)
        caller = Caller(issued.tenant_id, issued.id)
        config = {
            "auto_keywords": 3,
            "auto_questions": 2,
            "toc_extraction": True,
            "graphrag": {"use_graphrag": True, "community": True},
            "raptor": {"use_raptor": True, "scope": "file"},
        }
        spec = NewDataset("bench", embedding_model="hashbow@OpenAI-API-Compatible", parser_config=config)
        dataset = services.datasets.create(caller, spec).record
        services.datasets.set_metadata_config(caller, dataset.id, {"metadata": FIELDS, "built_in_metadata": []})
        (document,) = services.documents.upload(
            caller, dataset.id, [IncomingFile("report.pdf", io.BytesIO(pdf), len(pdf))]
        )
        answering = "the built-in SmolLM2" if local else f"a scripted model answering in {latency * 1000:.0f} ms"
        print(f"{pages}-page PDF ({len(pdf) / 1024:.0f} KiB); {answering}")
        header = f"{'run':<22}{'enricher':<16}{'calls':>6}{'min':>6}{'cached':>7}{'tokens in':>10}{'out':>7}"
        print(header + f"{'wall s':>8}{'model s':>9}{'own s':>7}{'own %':>7}")
        own_total = wall_total = 0.0
        for label, calls_at_once in (
            ("one call at a time", 1),
            (f"{concurrency} at a time", concurrency),
            ("re-parse", concurrency),
        ):
            settings.enrichment.concurrency = calls_at_once
            if label != "re-parse":
                with services.store.writing() as tx:
                    tx.enrichment.forget_answers()  # each timed run pays for every call
            models = EnrichmentModels(services.models, services.chat_models, services.store, settings.enrichment)
            stage = EnrichmentStage(services.enrichers, models)
            pipeline = IngestPipeline(
                services.store, services.blobs, services.index, services.embeddings, services.analyzer, stage
            )
            result = pipeline.run(document.id, IngestContext())
            listed = services.index.page(dataset.id, document.id)[0]
            chunks = [chunk for chunk in listed if not is_summary(chunk)]
            job = EnrichmentJob(
                dataset.id, document.id, document.name, caller.tenant_id, {**config, "metadata": FIELDS}, chunks
            )
            for enricher in services.enrichers:
                usage = result.enrichment[enricher.name]
                figures = (
                    f"{label:<22}{enricher.name:<16}{usage.calls:>6}{enricher.planned_calls(job):>6}{usage.cached:>7}"
                    f"{usage.prompt_tokens:>10}{usage.completion_tokens:>7}{usage.wall_seconds:>8.2f}"
                )
                if calls_at_once == 1:  # model time is the sum of the calls: the split is exact
                    own = max(usage.wall_seconds - usage.model_seconds, 0.0)
                    share = own / usage.wall_seconds if usage.wall_seconds else 0.0
                    own_total, wall_total = own_total + own, wall_total + usage.wall_seconds
                    figures += f"{usage.model_seconds:>9.2f}{own:>7.2f}{share * 100:>6.1f}%"
                print(figures)
            stages = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.seconds.items())
            levels = Counter(int(chunk.extra["raptor_layer_int"]) for chunk in listed if is_summary(chunk))
            tree = ", ".join(f"level {level}: {count}" for level, count in sorted(levels.items()))
            print(f"{'':<22}RAPTOR summaries by level: {tree or 'none'}")
            print(f"{'':<22}{len(chunks)} chunks; whole parse {sum(result.seconds.values()):.2f}s ({stages})")
        for label, calls_at_once in (("graph, one at a time", 1), ("graph rebuild", concurrency)):
            settings.enrichment.concurrency = calls_at_once
            if calls_at_once == 1:
                with services.store.writing() as tx:
                    tx.enrichment.forget_answers()
            graph_models = EnrichmentModels(services.models, services.chat_models, services.store, settings.enrichment)
            builder = GraphBuilder(services.store, services.index, services.embeddings, services.analyzer, graph_models)
            started = time.perf_counter()
            built = builder.build(dataset.id, IngestContext())
            services.index.replace_graph(dataset.id, built.records)
            whole = time.perf_counter() - started
            for name, usage in built.usage.items():
                figures = (
                    f"{label:<22}{name:<16}{usage.calls:>6}{built.planned_calls.get(name, 0):>6}{usage.cached:>7}"
                    f"{usage.prompt_tokens:>10}{usage.completion_tokens:>7}{usage.wall_seconds:>8.2f}"
                )
                if calls_at_once == 1:
                    own = max(usage.wall_seconds - usage.model_seconds, 0.0)
                    share = own / usage.wall_seconds if usage.wall_seconds else 0.0
                    own_total, wall_total = own_total + own, wall_total + usage.wall_seconds
                    figures += f"{usage.model_seconds:>9.2f}{own:>7.2f}{share * 100:>6.1f}%"
                print(figures)
            steps = ", ".join(f"{step} {seconds:.2f}s" for step, seconds in built.seconds.items())
            print(f"{'':<22}{built.summary}; whole build {whole:.2f}s ({steps}, writing the rest)")
        total_share = own_total / wall_total if wall_total else 0.0
        verdict = "met" if total_share <= OWN_TIME_TARGET else "NOT met"
        print(
            f"target: ragloom's own time <= {OWN_TIME_TARGET:.0%} of enrichment time (one call at a time) -> "
            f"{verdict} ({own_total:.2f}s of {wall_total:.2f}s, {total_share:.1%})"
        )
        services.close()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the scripted model takes per call")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--local", action="store_true", help="the built-in local chat model answers")
    options = parser.parse_args()
    run(options.pages, options.latency, options.concurrency, options.local)


if __name__ == "__main__":
    main()
