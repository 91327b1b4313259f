"""The embedded index's inverted lists: exact similarities, eligibility, growth, and other processes' writes."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from ragloom.storage.index import SqliteChunkIndex, sqlite, sqlite_match
from ragloom.storage.index.vector_lists import VectorLists
from ragloom.testing.chunk_index import chunk

DIMENSION = 16


def _clustered(count: int, seed: int = 5) -> npt.NDArray[np.float32]:
    generator = np.random.default_rng(seed)
    centres = generator.standard_normal((20, DIMENSION))
    vectors = centres[generator.integers(0, 20, count)] + 0.3 * generator.standard_normal((count, DIMENSION))
    unit: npt.NDArray[np.float32] = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def _now(work: Callable[[], None]) -> None:
    work()


def test_candidates_are_rescored_exactly_and_agree_with_an_exact_scan() -> None:
    vectors = _clustered(3000)
    lists = VectorLists(start=_now)
    everything = np.ones(3000, dtype=bool)
    assert lists.nearest(vectors, everything, vectors[0], 10) is None  # not built yet
    lists.build_from(vectors)
    recalls = []
    for query in _clustered(20, seed=9):
        found = lists.nearest(vectors, everything, query, 50)
        assert found is not None
        np.testing.assert_allclose(found.similarity, vectors[found.positions] @ query, rtol=1e-6)
        assert list(found.similarity) == sorted(found.similarity, reverse=True)
        exact = set(np.argsort(-(vectors @ query))[:10].tolist())
        recalls.append(len(exact & set(found.positions[:10].tolist())) / 10)
    assert np.mean(recalls) >= 0.95


def test_only_eligible_rows_are_candidates_and_appended_rows_join() -> None:
    vectors = _clustered(3000)
    lists = VectorLists(start=_now)
    lists.build_from(vectors)
    eligible = np.ones(3000, dtype=bool)
    eligible[:1500] = False
    found = lists.nearest(vectors, eligible, vectors[0], 100)
    assert found is not None
    assert found.positions.min() >= 1500

    newcomer = -vectors[0]
    grown = np.vstack([vectors, newcomer[None, :]])
    found = lists.nearest(grown, np.ones(3001, dtype=bool), newcomer, 5)
    assert found is not None
    assert found.positions[0] == 3000
    assert found.similarity[0] == pytest.approx(1.0)


def test_match_uses_the_lists_of_a_large_dataset_and_follows_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the threshold ``match`` takes its vector candidates from the lists; chunks another handle
    (as a worker process would) adds, hides or deletes are seen at once."""
    monkeypatch.setattr(sqlite_match, "APPROXIMATE_FROM", 500)
    monkeypatch.setattr(sqlite, "APPROXIMATE_FROM", 500)
    vectors = _clustered(1000)
    writer = SqliteChunkIndex(tmp_path / "index.sqlite")
    reader = SqliteChunkIndex(tmp_path / "index.sqlite")
    writer.upsert(
        [chunk(f"c{number:04d}", "some words", vector=vector.tolist()) for number, vector in enumerate(vectors)]
    )
    reader.warm(["ds1"], wait=True)

    query = _clustered(1, seed=9)[0]
    matches = reader.match(["ds1"], [], query, top_k=20)
    exact = np.argsort(-(vectors @ query))[:10]
    best = np.argsort(-matches.vector_similarity, kind="stable")[:10]
    assert len({f"c{number:04d}" for number in exact} & {matches.chunk_ids[i] for i in best}) >= 9
    for chunk_id, similarity in zip(matches.chunk_ids, matches.vector_similarity, strict=True):
        assert similarity == pytest.approx(float(vectors[int(chunk_id[1:])] @ query), abs=1e-5)

    writer.upsert([chunk("added", "new words", vector=query.tolist())])
    matches = reader.match(["ds1"], [], query, top_k=20)
    assert matches.chunk_ids[int(np.argmax(matches.vector_similarity))] == "added"

    writer.set_available("ds1", False, chunk_ids=["added"])
    assert "added" not in reader.match(["ds1"], [], query, top_k=20).chunk_ids
    writer.set_available("ds1", True, chunk_ids=["added"])
    reader.warm(["ds1"], wait=True)
    assert "added" in reader.match(["ds1"], [], query, top_k=20).chunk_ids
    writer.delete("ds1", chunk_ids=["added"])
    assert "added" not in reader.match(["ds1"], [], query, top_k=20).chunk_ids
    writer.close()
    reader.close()
