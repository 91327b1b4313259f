"""Conformance tests of knowledge-graph records in a :class:`~ragloom.storage.index.ChunkIndex`:
stored beside chunks but never seen by chunk reads, matched by ``kind=GRAPH``, replaced whole."""

from __future__ import annotations

import numpy as np
import pytest

from ragloom.storage.index import Capability, ChunkIndex, ChunkRecord, GraphFields, GraphPart, RecordKind
from ragloom.testing.index_records import ANALYZER, IndexTests, chunk, unit


def graph_record(
    record_id: str,
    content: str,
    part: GraphPart = GraphPart.ENTITY,
    *,
    dataset_id: str = "ds1",
    vector: list[float] | None = None,
    **fields: object,
) -> ChunkRecord:
    """A graph record analysed as the graph builder analyses one; ``fields`` set graph fields."""
    details = GraphFields(part=part, name=record_id)
    for name, value in fields.items():
        setattr(details, name, value)
    return ChunkRecord(
        id=record_id,
        dataset_id=dataset_id,
        document_id="",
        document_name="",
        content=content,
        content_terms=ANALYZER.joined(content),
        content_fine_terms=ANALYZER.joined_fine(content),
        title_terms=ANALYZER.joined(details.name),
        vector=None if vector is None else np.asarray(vector, dtype=np.float32),
        graph=details,
    )


class GraphConformance(IndexTests):
    """Knowledge-graph records, as the :mod:`ragloom.storage.index.protocol` docstring states."""

    def test_a_graph_record_keeps_every_field(self, chunk_index: ChunkIndex) -> None:
        original = graph_record(
            "r1",
            "Alice founded Acme",
            GraphPart.RELATION,
            vector=unit(1, 0, 0),
            source="Alice",
            target="Acme",
            weight=3.5,
            keywords=["founding"],
            chunk_ids=["c1", "c2"],
            document_ids=["doc1"],
        )
        chunk_index.replace_graph("ds1", [original])
        stored = chunk_index.get("ds1", "r1", with_vector=True)
        assert stored is not None
        assert stored.kind is RecordKind.GRAPH
        assert stored.vector is not None
        assert np.allclose(stored.vector, original.vector)  # type: ignore[arg-type]
        stored.vector = original.vector = None
        assert stored == original
        assert chunk_index.graph_records("ds1") == [original]

    def test_chunk_reads_never_see_graph_records(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("c", "pandas eat bamboo", document_id="", vector=unit(1, 0, 0))])
        chunk_index.replace_graph("ds1", [graph_record("e", "pandas eat bamboo", vector=unit(1, 0, 0))])
        records, total = chunk_index.page("ds1", "")
        assert ([record.id for record in records], total) == (["c"], 1)
        assert chunk_index.document_stats("ds1", "").chunk_count == 1
        query = np.asarray(unit(1, 0, 0), dtype=np.float32)
        if Capability.FULL_TEXT in chunk_index.capabilities:
            assert [hit.chunk_id for hit in chunk_index.search_text(["ds1"], ["bamboo"])] == ["c"]
        if Capability.VECTOR in chunk_index.capabilities:
            assert [hit.chunk_id for hit in chunk_index.search_vector(["ds1"], query)] == ["c"]
        assert chunk_index.match(["ds1"], ["bamboo"], query).chunk_ids == ["c"]
        found = chunk_index.match(["ds1"], ["bamboo"], query, kind=RecordKind.GRAPH)
        assert (found.chunk_ids, found.eligible) == (["e"], 1)
        assert chunk_index.match(["ds1"], ["bamboo"], query, kind=RecordKind.MESSAGE).chunk_ids == []

    def test_graph_records_are_matched_by_terms_and_vector(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.replace_graph(
            "ds1",
            [
                graph_record("alice", "a chemist who works at acme", vector=unit(1, 0, 0)),
                graph_record("bob", "a painter in paris", vector=unit(0, 1, 0)),
            ],
        )
        chunk_index.replace_graph("ds2", [graph_record("carol", "a chemist elsewhere", dataset_id="ds2")])
        terms = ANALYZER.terms("chemist")
        found = chunk_index.match(["ds1"], terms, np.asarray(unit(0, 1, 0), dtype=np.float32), kind=RecordKind.GRAPH)
        hits = dict(zip(found.chunk_ids, found.term_hits[:, 0].tolist(), strict=True))
        assert hits == {"alice": True, "bob": False}
        assert dict(zip(found.chunk_ids, found.vector_similarity.round(3).tolist(), strict=True))["bob"] == 1.0

    def test_replacing_a_graph_removes_the_old_one_whole(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("c", "a chunk")])
        chunk_index.replace_graph("ds1", [graph_record("a", "one"), graph_record("b", "two")])
        chunk_index.replace_graph("ds2", [graph_record("a", "other", dataset_id="ds2")])
        removed = chunk_index.replace_graph(
            "ds1", [graph_record("b", "two again"), graph_record("x", "report", GraphPart.COMMUNITY)]
        )
        assert removed == 2
        assert sorted((record.id, record.content) for record in chunk_index.graph_records("ds1")) == [
            ("b", "two again"),
            ("x", "report"),
        ]
        communities = chunk_index.graph_records("ds1", [GraphPart.COMMUNITY])
        assert [record.id for record in communities] == ["x"]
        assert chunk_index.get("ds1", "c") is not None
        assert [record.id for record in chunk_index.graph_records("ds2")] == ["a"]

    def test_deleting_documents_leaves_the_graph_and_deleting_it_removes_it(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("c", "a chunk")])
        chunk_index.replace_graph("ds1", [graph_record("a", "one", document_ids=["doc1"])])
        chunk_index.delete("ds1", document_ids=["doc1"])
        assert [record.id for record in chunk_index.graph_records("ds1")] == ["a"]
        assert chunk_index.delete_graph("ds1") == 1
        assert chunk_index.graph_records("ds1") == []
        chunk_index.replace_graph("ds1", [graph_record("a", "one")])
        chunk_index.delete_datasets(["ds1"])
        assert chunk_index.graph_records("ds1") == []

    def test_a_graph_record_of_another_dataset_is_refused(self, chunk_index: ChunkIndex) -> None:
        with pytest.raises(ValueError, match="not a graph record of dataset"):
            chunk_index.replace_graph("ds1", [graph_record("a", "one", dataset_id="ds2")])
        with pytest.raises(ValueError, match="not a graph record of dataset"):
            chunk_index.replace_graph("ds1", [chunk("c", "not a graph record")])
        assert chunk_index.graph_records("ds1") == [] == chunk_index.graph_records("ds2")
