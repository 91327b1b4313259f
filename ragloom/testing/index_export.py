"""Conformance tests of :meth:`~ragloom.storage.index.ChunkIndex.export`: every record of a dataset,
of every kind, with its vector, page by page in id order — what copying an index to another
backend reads."""

from __future__ import annotations

import numpy as np

from ragloom.storage.index import ChunkIndex, ChunkRecord, GraphPart
from ragloom.testing.index_graph import graph_record
from ragloom.testing.index_records import IndexTests, chunk, message, unit


class ExportConformance(IndexTests):
    """Exporting whole datasets and memories, as the protocol states."""

    def test_export_pages_through_every_record_of_every_kind_with_its_vector(self, chunk_index: ChunkIndex) -> None:
        records = [
            chunk("c1", "Alpha beta", vector=unit(1, 0, 0), important_keywords=["alpha"]),
            chunk("c2", "Gamma delta", vector=unit(0, 1, 0), available=False),
            chunk("c3", "A child", vector=unit(0, 0, 1), parent_id="c1"),
            chunk("c4", "Another document", document_id="doc2"),
        ]
        chunk_index.upsert(records)
        chunk_index.replace_graph(
            "ds1", [graph_record("g1", "Alice founded Acme", GraphPart.ENTITY, vector=unit(1, 1, 0))]
        )
        chunk_index.upsert([chunk("x1", "Another dataset", dataset_id="ds2")])
        chunk_index.add_messages("m1", [message(1, "hello", vector=unit(0, 1, 1))], capacity=100)

        pages: list[list[ChunkRecord]] = []
        after = ""
        while page := chunk_index.export("ds1", after=after, limit=2):
            pages.append(page)
            after = page[-1].id
        exported = [record for page in pages for record in page]
        assert [len(page) for page in pages] == [2, 2, 1]
        assert [record.id for record in exported] == ["c1", "c2", "c3", "c4", "g1"]
        by_id = {record.id: record for record in exported}
        for original in records:
            copy = by_id[original.id]
            assert (copy.content, copy.available, copy.parent_id, copy.document_id) == (
                original.content,
                original.available,
                original.parent_id,
                original.document_id,
            )
            assert copy.important_keywords == original.important_keywords
            if original.vector is None:
                assert copy.vector is None
            else:
                assert copy.vector is not None
                np.testing.assert_allclose(copy.vector, original.vector, rtol=1e-6)
        assert by_id["g1"].graph is not None
        assert by_id["g1"].vector is not None
        (memory_message,) = chunk_index.export("m1")
        assert memory_message.message is not None
        assert (memory_message.message.message_id, memory_message.message.size) == (1, 10)
        assert chunk_index.export("nothing") == []

    def test_an_exported_dataset_upserted_elsewhere_is_the_same(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("c1", "Alpha beta", vector=unit(1, 0, 0))])
        (record,) = chunk_index.export("ds1")
        chunk_index.delete_datasets(["ds1"])
        chunk_index.upsert([record])
        again = chunk_index.get("ds1", "c1", with_vector=True)
        assert again is not None
        assert again.content_terms == record.content_terms
        assert again.vector is not None
