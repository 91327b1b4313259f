"""The knowledge graph end to end with the built-in local model (SmolLM2, held to the answer's
JSON schema): the build runs through the queue and what the model answered is what ``/graph``
shows. SmolLM2-135M is tiny, so only the pipeline is checked, not the quality of the graph."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from ragflow_sdk import DataSet

from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available
from tests.e2e.test_enrichment_local import wait_done

TEXT = "Alice Martin founded Acme Rockets in Denver. Bob Stone leads Acme Rockets and built the Falcon engine.\n"


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_the_built_in_model_builds_a_graph_that_the_graph_route_shows(
    rag: Any, api: str, auth: dict[str, str], unique_name: str
) -> None:
    config = {"chunk_token_num": 128, "graphrag": {"use_graphrag": True, "entity_types": ["person", "organization"]}}
    dataset = rag.create_dataset(
        name=unique_name,
        embedding_model="multilingual-e5-small@Builtin",
        parser_config=DataSet.ParserConfig(rag, config),
    )
    (document,) = dataset.upload_documents([{"display_name": "rockets.txt", "blob": TEXT.encode()}])
    dataset.async_parse_documents([document.id])
    assert wait_done(dataset, document.id, timeout=300).run == "DONE"
    started = requests.post(f"{api}/datasets/{dataset.id}/index?type=graph", headers=auth, timeout=30).json()
    assert started["code"] == 0, started
    deadline = time.monotonic() + 840
    while True:
        row = requests.get(f"{api}/datasets/{dataset.id}/index?type=graph", headers=auth, timeout=30).json()["data"]
        if row["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert row["status"] == "done", row["progress_msg"]
    built = re.search(r"built with (\S+): (\d+) entities, (\d+) relations", row["progress_msg"])
    assert built is not None, row["progress_msg"]
    assert built.group(1) == SMOLLM2_ID
    graph = requests.get(f"{api}/datasets/{dataset.id}/graph", headers=auth, timeout=30).json()["data"]
    entities, relations = int(built.group(2)), int(built.group(3))
    nodes = graph["graph"].get("nodes", [])
    assert len(nodes) == min(entities, 256)
    assert len(graph["graph"].get("edges", [])) <= relations
    assert all(node["id"].strip() for node in nodes)
