"""Two documents each holding half of a fact, the scripted model's answers about them, and
helpers that build a dataset's graph on this thread."""

from __future__ import annotations

import json
from typing import Any

from ragloom.services.container import Services
from ragloom.services.task_ledger import Standing, TaskKind
from ragloom.services.tenants import Caller
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner
from tests.enrich.conftest import ScriptedModel, by_marker, new_dataset, parse, upload

FOUNDING = "Alice Martin founded Acme Rockets in Denver in 1999.\n"
ENGINE = "The Falcon engine was built by Acme Rockets. Bob Stone leads Acme Rockets today.\n"

FOUNDING_ANSWER = {
    "entities": [
        {"name": "Alice Martin", "type": "person", "description": "Alice Martin founded Acme Rockets."},
        {"name": "ACME Rockets", "type": "organization", "description": "A rocket company from Denver."},
    ],
    "relations": [
        {
            "source": "Alice Martin",
            "target": "ACME Rockets",
            "description": "Alice Martin founded Acme Rockets in 1999.",
            "keywords": ["founder"],
            "weight": 8,
        }
    ],
}
ENGINE_ANSWER = {
    "entities": [
        {"name": "Acme  rockets", "type": "organization", "description": "Acme Rockets built the Falcon engine."},
        {"name": "Falcon engine", "type": "product", "description": "A rocket engine."},
        {"name": "Bob Stone", "type": "person", "description": "Bob Stone leads Acme Rockets."},
    ],
    "relations": [
        {
            "source": "acme rockets",
            "target": "Falcon Engine",
            "description": "Acme Rockets built the Falcon engine.",
            "weight": 5,
        },
        {"source": "Bob Stone", "target": "Acme Rockets", "description": "Bob Stone leads Acme Rockets.", "weight": 3},
        {"source": "Bob Stone", "target": "Nobody Known", "description": "names no listed entity", "weight": 2},
    ],
}
ANSWERS = {"Alice Martin": "```json\n" + json.dumps(FOUNDING_ANSWER) + "\n```", "Falcon": json.dumps(ENGINE_ANSWER)}


def graph_dataset(services: Services, caller: Caller, model: ScriptedModel, **graphrag: Any) -> str:
    """A dataset with the two documents parsed, asking for a graph with ``graphrag`` settings."""
    model.answers["graph"] = by_marker(ANSWERS)
    settings = {"use_graphrag": True, "entity_types": ["person", "organization", "product"], **graphrag}
    dataset_id = new_dataset(services, caller, chunk_token_num=128, graphrag=settings)
    for name, text in (("founding.txt", FOUNDING), ("engine.txt", ENGINE)):
        document_id = upload(services, caller, dataset_id, text, name)
        assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    return dataset_id


def run_graph_task(services: Services, worker: str = "w1") -> Standing:
    """Claim the queued graph task and run it to its end on this thread."""
    task = services.ledger.claim(worker)
    assert task is not None
    assert task.kind is TaskKind.GRAPH
    return TaskRunner(services.ledger, task_handlers(services), worker, lease_seconds=30).run(task)


def build_graph(services: Services, caller: Caller, dataset_id: str) -> dict[str, Any]:
    """Queue the dataset's graph, build it, and return its task row."""
    services.enrichment.run(caller, dataset_id, "graph")
    assert run_graph_task(services) is Standing.HELD
    return services.enrichment.trace(caller, dataset_id, "graph")
