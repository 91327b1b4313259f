"""Tune the ``bm25`` scoring mode's constants on one collection, in process.

Reads a data directory that ``benchmarks/retrieval_quality.py --data-dir DIR`` filled (stop its
server first), asks the index once per query for its candidates with their term counts
(``ChunkIndex.match(..., counts=True)``, as retrieval does), then scores them again for every
combination of ``k1``, ``b`` and the fusion weight, printing the mean nDCG@10 of each (best last),
and the ``ragflow`` mode's figure for the same candidates. Only the scoring is repeated, so a sweep
takes seconds; the figures to report come from ``retrieval_quality.py`` through the live API.

``--feedback`` sweeps the ``bm25_feedback`` mode's parameters instead (:mod:`ragloom.rag.feedback`: how many
first-pass chunks, how many expansion words, the question's weight) at the default fusion weight: the
first pass is the ``bm25`` mode's, the expanded query is matched again as retrieval does (once per set of
expansion words, so this sweep takes minutes), and each combination's mean nDCG@10 is printed, best last,
after the ``bm25`` mode's for the same queries. ``--defaults-only`` measures the mode's defaults alone
(on a held-out collection).

``--fusion`` compares ways of fusing the mode's two sides instead (:data:`FUSIONS`: the mode's min-max, the raw
cosine, reciprocal rank fusion, z-scores, each side scaled by its spread among its best candidates, the vector's
share scaled by the two sides' agreement, the vector scaled over its own best) at each fusion weight. ``--cache
FILE`` keeps the queries' candidates in ``FILE`` (pickle) and reads them back on a later run, which then needs
neither the data directory nor the model.

Usage: ``python benchmarks/scoring_tuning.py --collection DIR --data-dir DIR [--model use] [--split train] [--limit N]
[--feedback [--defaults-only] | --fusion] [--cache FILE]``
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ragloom.rag import bm25, feedback, scoring
from ragloom.rag.metrics import document_ranking, ndcg_at
from ragloom.rag.query import QueryAnalyzer, QueryTerms
from ragloom.services.container import Services
from ragloom.settings import load_settings
from ragloom.storage.index import Matches

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_quality import MODELS, load_collection

K1S = (0.6, 0.9, 1.2, 1.5, 2.0)
BS = (0.3, 0.5, 0.75, 0.9)
FUSION_WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
FEEDBACK_CHUNKS = (3, 5, 10, 20)
FEEDBACK_TERMS = (5, 10, 20)
ORIGINAL_WEIGHTS = (0.3, 0.5, 0.7, 0.9)
DEFAULT_WEIGHT = 0.3


def ndcg(scores: np.ndarray, documents: list[str], relevant: set[str]) -> float:
    order = np.argsort(-scores, kind="stable")[:100]
    ranking = document_ranking(documents[i] for i in order)
    return ndcg_at(ranking, dict.fromkeys(relevant, 1.0), 10)


def sweep_feedback(
    services: Services,
    analyzer: QueryAnalyzer,
    dataset_id: str,
    embed: Callable[[str], np.ndarray],
    queries: dict[str, str],
    relevant: dict[str, set[str]],
    documents_of: Callable[[Matches], list[str]],
    grid: list[tuple[int, int, float]],
) -> None:
    """Print the ``bm25_feedback`` mode's mean nDCG@10 for each combination of its parameters in ``grid``."""
    figures: dict[tuple[int, int, float], list[float]] = {}
    baseline: list[float] = []
    for query_id, text in queries.items():
        terms, vector = analyzer.analyse(text), embed(text)
        matches = services.index.match([dataset_id], terms.terms, vector, counts=True)
        first = bm25.score(terms, matches, DEFAULT_WEIGHT)
        baseline.append(ndcg(first.similarity, documents_of(matches), relevant[query_id]))
        best = feedback.best_chunks(first.similarity, matches, max(count for count, _, _ in grid))
        records = {
            (record.dataset_id, record.id): record
            for record in services.index.fetch(dataset_id, [key[1] for key, _ in best])
        }
        chunks = [(records[key].content_terms.split(), score) for key, score in best if key in records]
        second: dict[tuple[str, ...], tuple[Matches, list[str]]] = {}
        for count, size, alpha in grid:
            parameters = feedback.FeedbackParameters(count, size, alpha)
            expansion = feedback.expanded(terms, chunks[:count], analyzer.noise, parameters)
            key = tuple(expansion.terms.terms)
            if key not in second:
                again = services.index.match([dataset_id], expansion.terms.terms, vector, counts=True)
                second[key] = (again, documents_of(again))
            again, documents = second[key]
            scores = bm25.score(expansion.terms, again, DEFAULT_WEIGHT, query_weights=expansion.weights)
            figures.setdefault((count, size, alpha), []).append(ndcg(scores.similarity, documents, relevant[query_id]))
    print(f"bm25 (no feedback) w={DEFAULT_WEIGHT}  nDCG@10 {statistics.mean(baseline):.4f}")
    for (count, size, alpha), values in sorted(figures.items(), key=lambda item: statistics.mean(item[1])):
        print(f"bm25_feedback chunks={count} terms={size} original={alpha:.1f}  nDCG@10 {statistics.mean(values):.4f}")


Cached = list[tuple[QueryTerms, Matches, list[str], set[str]]]
Fusion = Callable[[np.ndarray, np.ndarray, np.ndarray, float], np.ndarray]
"""A way of fusing: the term side (BM25 / best), the vector side (min-max), the raw cosines, the weight."""
DEPTHS = (5, 10, 20, 50, 100, 1000)


def _best(values: np.ndarray, depth: int) -> np.ndarray:
    best: np.ndarray = np.sort(values)[::-1][:depth]
    return best


def _spread_std(values: np.ndarray, depth: int) -> float:
    return float(np.std(_best(values, depth)))


def _spread_range(values: np.ndarray, depth: int) -> float:
    best = _best(values, depth)
    return float(best[0] - best[-1]) if best.size else 0.0


def _mixed(term: np.ndarray, vector: np.ndarray, share: float) -> np.ndarray:
    mixed: np.ndarray = (1 - share) * term + share * vector
    return mixed


def _spread_scaled(spread: Callable[[np.ndarray, int], float], depth: int) -> Fusion:
    """Each side divided by its spread among its ``depth`` best (z-scores over the best, up to a constant)."""

    def fuse(term: np.ndarray, vector: np.ndarray, _: np.ndarray, weight: float) -> np.ndarray:
        term_spread, vector_spread = spread(term, depth), spread(vector, depth)
        share = weight
        if 0 < weight < 1 and term_spread > 0 and vector_spread > 0:
            share = (weight / vector_spread) / ((1 - weight) / term_spread + weight / vector_spread)
        return _mixed(term, vector, share)

    return fuse


def _agreement_weighted(depth: int) -> Fusion:
    """The vector's share scaled by the share of the ``depth`` best by terms also among its ``depth`` best."""

    def fuse(term: np.ndarray, vector: np.ndarray, _: np.ndarray, weight: float) -> np.ndarray:
        holding = int(np.count_nonzero(term > 0))
        by_term = set(np.argsort(-term, kind="stable")[: min(depth, holding)].tolist())
        by_vector = set(np.argsort(-vector, kind="stable")[:depth].tolist())
        agreement = len(by_term & by_vector) / len(by_term) if by_term else 1.0
        share = weight * agreement / ((1 - weight) + weight * agreement) if weight < 1 else 1.0
        return _mixed(term, vector, share)

    return fuse


def _vector_over_its_best(depth: int) -> Fusion:
    """The vector min-max scaled between its best and its ``depth``-th best (below: 0)."""

    def fuse(term: np.ndarray, _: np.ndarray, cosine: np.ndarray, weight: float) -> np.ndarray:
        best = _best(cosine, depth)
        low, high = float(best[-1]), float(best[0])
        scaled = np.clip((cosine - low) / (high - low), 0, 1) if high > low else np.zeros_like(cosine)
        return _mixed(term, scaled, weight)

    return fuse


def _z_scores(term: np.ndarray, _: np.ndarray, cosine: np.ndarray, weight: float) -> np.ndarray:
    """z-scores: the term side over the candidates holding a query term, the cosines over all."""
    holding = term > 0
    if np.count_nonzero(holding) > 1 and float(np.std(term[holding])) > 0:
        term = (term - term[holding].mean()) / np.std(term[holding])
    spread = float(np.std(cosine))
    return _mixed(term, (cosine - cosine.mean()) / spread if spread > 0 else cosine, weight)


def _reciprocal_rank(term: np.ndarray, vector: np.ndarray, _: np.ndarray, weight: float) -> np.ndarray:
    """Reciprocal rank fusion (Cormack et al., k 60), each side's share weighted."""
    places = [np.empty(len(side), dtype=np.float64) for side in (term, vector)]
    for place, side in zip(places, (term, vector), strict=True):
        place[np.argsort(-side, kind="stable")] = np.arange(1, len(side) + 1)
    fused: np.ndarray = (1 - weight) / (60 + places[0]) + weight / (60 + places[1])
    return fused


FUSIONS: dict[str, Fusion] = {
    "min-max (the mode's)": lambda term, vector, _, weight: _mixed(term, vector, weight),
    "raw cosine": lambda term, _, cosine, weight: _mixed(term, np.clip(cosine, 0, 1), weight),
    "reciprocal rank": _reciprocal_rank,
    "z-scores": _z_scores,
    **{f"std of best {depth}": _spread_scaled(_spread_std, depth) for depth in DEPTHS},
    **{f"range of best {depth}": _spread_scaled(_spread_range, depth) for depth in DEPTHS},
    **{f"agreement of best {depth}": _agreement_weighted(depth) for depth in (10, 20, 50)},
    **{f"vector over best {depth}": _vector_over_its_best(depth) for depth in (100, 300)},
}
"""The fusions ``--fusion`` compares (the mode's first)."""


def sweep_fusion(cached: Cached) -> None:
    """Print the mean nDCG@10 of each way of fusing the bm25 mode's two sides (:data:`FUSIONS`) at each weight."""
    parts = [
        (bm25.scaled_to_best(bm25.bm25(terms, matches)), matches.vector_similarity.astype(np.float64))
        for terms, matches, _, _ in cached
    ]
    for label, fuse in FUSIONS.items():
        figures = []
        for weight in FUSION_WEIGHTS:
            figure = statistics.mean(
                ndcg(fuse(term, bm25.min_max(cosine), cosine, weight), documents, wanted)
                for (term, cosine), (_, _, documents, wanted) in zip(parts, cached, strict=True)
            )
            figures.append(f"w={weight:.1f} {figure:.4f}")
        print(f"{label:<24} {'  '.join(figures)}", flush=True)


def collect(options: argparse.Namespace, name: str) -> Cached:
    """Each query's terms, candidates (with term counts), their documents' names and the relevant documents;
    with ``--feedback`` the feedback sweep runs instead (it matches expanded queries again) and the script ends."""
    _, queries, relevant = load_collection(options.collection, options.limit, options.split)
    services = Services.build(load_settings(data_dir=options.data_dir))
    with services.store.reading() as tx:
        dataset = next(
            found
            for tenant_id, dataset_id in tx.datasets.owners_and_ids()
            if (found := tx.datasets.owned(tenant_id, dataset_id)) is not None and found.name == name
        )
    model = services.embeddings.get(dataset.embedding_model, dataset.tenant_id)
    analyzer = QueryAnalyzer(services.analyzer)
    names: dict[str, str] = {}

    def documents_of(matches: Matches) -> list[str]:
        missing = [document for document in set(matches.document_ids) if document not in names]
        with services.store.reading() as tx:
            names.update(tx.documents.names(missing))
        return [re.sub(r"\.txt$", "", names.get(document, "")) for document in matches.document_ids]

    if options.feedback:
        defaults = feedback.DEFAULT_PARAMETERS
        grid = (
            [(defaults.chunks, defaults.terms, defaults.original_weight)]
            if options.defaults_only
            else list(itertools.product(FEEDBACK_CHUNKS, FEEDBACK_TERMS, ORIGINAL_WEIGHTS))
        )
        sweep_feedback(services, analyzer, dataset.id, model.embed_query, queries, relevant, documents_of, grid)
        raise SystemExit(0)
    cached: Cached = []
    for query_id, text in queries.items():
        terms = analyzer.analyse(text)
        matches = services.index.match([dataset.id], terms.terms, model.embed_query(text), counts=True)
        cached.append((terms, matches, documents_of(matches), relevant[query_id]))
    if options.cache is not None:
        options.cache.write_bytes(pickle.dumps(cached))
    return cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", default="use", choices=sorted(MODELS))
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--feedback", action="store_true", help="sweep the bm25_feedback mode's parameters")
    parser.add_argument("--defaults-only", action="store_true", help="with --feedback: only the mode's defaults")
    parser.add_argument("--fusion", action="store_true", help="sweep how the bm25 mode fuses its two sides")
    parser.add_argument("--cache", type=Path, default=None, help="keep the queries' candidates in this file")
    options = parser.parse_args()
    name = f"{options.collection.name}-{options.model}"
    if options.cache is not None and options.cache.exists() and not options.feedback:
        cached: Cached = pickle.loads(options.cache.read_bytes())
    else:
        cached = collect(options, name)
    print(f"{name}: {len(cached)} {options.split} queries", file=sys.stderr)
    if options.fusion:
        sweep_fusion(cached)
        return
    for weight in (0.0, 0.3, 1.0):
        figure = statistics.mean(
            ndcg(scoring.score(terms, matches, weight).similarity, documents, wanted)
            for terms, matches, documents, wanted in cached
        )
        print(f"ragflow  w={weight:.1f}  nDCG@10 {figure:.4f}")
    results = []
    for k1, b in itertools.product(K1S, BS):
        parts = [
            (bm25.scaled_to_best(bm25.bm25(terms, matches, k1=k1, b=b)), bm25.min_max(matches.vector_similarity))
            for terms, matches, _, _ in cached
        ]
        for weight in FUSION_WEIGHTS:
            figure = statistics.mean(
                ndcg((1 - weight) * term + weight * vector, documents, wanted)
                for (term, vector), (_, _, documents, wanted) in zip(parts, cached, strict=True)
            )
            results.append((figure, k1, b, weight))
    for figure, k1, b, weight in sorted(results)[-15:]:
        print(f"bm25  k1={k1:.1f} b={b:.2f} w={weight:.1f}  nDCG@10 {figure:.4f}")
    for weight in FUSION_WEIGHTS:
        best = max(result for result in results if result[3] == weight)
        print(f"best at w={weight:.1f}: nDCG@10 {best[0]:.4f} (k1 {best[1]}, b {best[2]})")


if __name__ == "__main__":
    main()
