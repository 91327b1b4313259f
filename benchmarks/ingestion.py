"""Ingestion throughput and worker memory, for each built-in embedding model.

Two workloads, built in memory: a 100-page PDF report (text layer, headings, a table) and a
corpus of 1,000 short text documents. For each embedding model a fresh worker process
uploads them into a new data directory and runs the real ingestion pipeline (parse, chunk,
analyse, embed, index) on every document, exactly as ``ragloom serve``'s workers do. It
prints pages/s and chunks/s, the time split into parse / chunk / embed / index, and the
worker's peak RSS (VmHWM). Baselines measured in the same run: raw pdfium text extraction of
the same PDF (the floor for parsing) and the bare model embedding the same chunk texts
(the floor for embedding).

Usage: ``python benchmarks/ingestion.py [--documents 1000] [--pages 100] [--models e5,use]``
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODELS = {
    "e5": "multilingual-e5-small@Builtin",
    "use": "universal-sentence-encoder-multilingual@Builtin",
}
PEAK_RSS_LIMIT_MB = 1536


def corpus(count: int, paragraphs: int = 3) -> list[tuple[str, bytes]]:
    """``count`` text documents of ``paragraphs`` paragraphs each (about 370 bytes a paragraph)."""
    from tests.samples import finding_text

    return [
        (
            f"note-{number:04d}.txt",
            "\n\n".join(finding_text(number * paragraphs + k) for k in range(paragraphs)).encode(),
        )
        for number in range(count)
    ]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_workload(model_id: str, files: list[tuple[str, bytes]], queue: Any) -> None:
    """In a fresh process: ingest ``files`` into a new data directory and report the figures."""
    from ragloom.ingest.context import IngestContext
    from ragloom.ingest.pipeline import EMBED_BATCH, IngestPipeline
    from ragloom.services.container import Services
    from ragloom.services.datasets import NewDataset
    from ragloom.services.documents import IncomingFile
    from ragloom.services.tenants import Caller
    from ragloom.settings import load_settings

    with tempfile.TemporaryDirectory() as scratch:
        settings = load_settings(data_dir=Path(scratch))
        # Built-in models inline, as a parse worker runs them (workers/process.py): measured
        # through a model process instead, embedding cost several times what workers pay.
        services = Services.build(settings, isolate_models=False)
        issued = services.tenants.issue_key(new_tenant=True)
        caller = Caller(issued.tenant_id, issued.id)
        dataset = services.datasets.create(caller, NewDataset(name="bench", embedding_model=model_id)).record
        documents = []
        for start in range(0, len(files), 200):
            batch = [IncomingFile(name, io.BytesIO(data), len(data)) for name, data in files[start : start + 200]]
            documents += services.documents.upload(caller, dataset.id, batch)
        pipeline = IngestPipeline(
            services.store, services.blobs, services.index, services.embeddings, services.analyzer
        )
        # load the model and run it once outside the timings, as a running worker has: USE's first
        # call sets itself up (0.84 s against 0.11-0.18 s for the same 32 texts after it)
        services.embeddings.get(model_id).embed_documents(["A sentence to warm the model up."])
        totals = {"parse": 0.0, "chunk": 0.0, "embed": 0.0, "index": 0.0}
        chunks = pages = 0
        started = time.perf_counter()
        for document in documents:
            result = pipeline.run(document.id, IngestContext())
            chunks += result.chunk_count
            pages += result.pages or 1
            for stage, seconds in result.seconds.items():
                totals[stage] += seconds
        wall = time.perf_counter() - started
        texts = [record.content for document in documents for record in services.index.page(dataset.id, document.id)[0]]
        model = services.embeddings.get(model_id)
        bare_started = time.perf_counter()
        for start in range(0, len(texts), EMBED_BATCH):
            model.embed_documents(texts[start : start + EMBED_BATCH])
        bare_per_chunk = (time.perf_counter() - bare_started) / max(len(texts), 1)
        services.close()
    queue.put(
        {
            "wall": wall,
            "chunks": chunks,
            "pages": pages,
            "stages": totals,
            "bare_embed_per_chunk": bare_per_chunk,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def measure(model_id: str, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=run_workload, args=(model_id, files, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def raw_pdfium_seconds(data: bytes) -> float:
    """Plain text extraction of every page: the floor any PDF parser stands on."""
    import pypdfium2 as pdfium

    started = time.perf_counter()
    document = pdfium.PdfDocument(data)
    for page in document:
        text_page = page.get_textpage()
        text_page.get_text_range()
        text_page.close()
        page.close()
    document.close()
    return time.perf_counter() - started


def report(label: str, result: dict[str, Any]) -> None:
    stages = result["stages"]
    per_chunk_embed = stages["embed"] / max(result["chunks"], 1)
    print(
        f"{label:<34}{result['pages']:>6}{result['chunks']:>8}{result['wall']:>9.1f}"
        f"{result['pages'] / result['wall']:>9.2f}{result['chunks'] / result['wall']:>9.2f}"
        f"{stages['parse']:>8.1f}{stages['chunk']:>8.1f}{stages['embed']:>8.1f}{stages['index']:>8.2f}"
        f"{result['peak_rss_mb']:>9.0f}"
        f"   embed x{per_chunk_embed / max(result['bare_embed_per_chunk'], 1e-9):.2f} of bare model"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--models", default="e5,use", help="comma-separated: e5, use")
    options = parser.parse_args()
    from tests.samples import make_pdf

    pdf = make_pdf(pages=options.pages, with_table=True)
    texts = corpus(options.documents)
    print(
        f"PDF: {options.pages} pages, {len(pdf) / 1024:.0f} KiB; corpus: {len(texts)} documents, "
        f"{sum(len(data) for _name, data in texts) / 1024:.0f} KiB"
    )
    print(f"baseline: raw pdfium text extraction of the PDF {raw_pdfium_seconds(pdf):.2f}s")
    print(
        f"{'workload':<34}{'pages':>6}{'chunks':>8}{'wall s':>9}{'pages/s':>9}{'chunks/s':>9}"
        f"{'parse':>8}{'chunk':>8}{'embed':>8}{'index':>8}{'peakMB':>9}"
    )
    failures = []
    for key in options.models.split(","):
        model_id = MODELS[key.strip()]
        pdf_result = measure(model_id, [("report.pdf", pdf)])
        report(f"{options.pages}-page PDF, {key}", pdf_result)
        report(f"{options.documents} text documents, {key}", measure(model_id, texts))
        if pdf_result["peak_rss_mb"] > PEAK_RSS_LIMIT_MB:
            failures.append(f"{key}: worker peak {pdf_result['peak_rss_mb']:.0f} MB on the PDF")
    print(f"target: worker peak RSS under {PEAK_RSS_LIMIT_MB} MB on the PDF -> {'; '.join(failures) or 'met'}")


if __name__ == "__main__":
    main()
