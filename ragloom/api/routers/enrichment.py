"""Knowledge graph, RAPTOR and mind-map indexes of a dataset (contract §13.3, with RAGFlow's
older aliases), each built by a task on the queue (see :mod:`ragloom.services.enrichment`).

``/index`` names the index with ``?type=``; RAGFlow's older paths name it in the path, each an
operation of its own (marked deprecated)."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import NoBody, Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.enrichment import IndexTypeQuery
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = api_router("/datasets", tags=["enrichment"])


def _run(services: Services, caller: Caller, dataset_id: str, index_type: str) -> Response:
    return success(Envelope.R, services.enrichment.run(caller, dataset_id, index_type))


def _trace(services: Services, caller: Caller, dataset_id: str, index_type: str) -> Response:
    return success(Envelope.R, services.enrichment.trace(caller, dataset_id, index_type))


def _delete(services: Services, caller: Caller, dataset_id: str, index_type: str, *, wipe: bool = True) -> Response:
    return success(Envelope.R, services.enrichment.delete(caller, dataset_id, index_type, wipe=wipe))


def _graph(services: Services, caller: Caller, dataset_id: str) -> Response:
    return success(Envelope.R, services.enrichment.graph(caller, dataset_id))


# ---- by ?type= ----------------------------------------------------------------------------------


@router.post("/{dataset_id}/index", summary="Build a dataset's knowledge graph, RAPTOR summaries or mind map")
@envelope(Envelope.R)
def run_index(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[IndexTypeQuery], _: NoBody
) -> Response:
    return _run(services, caller, dataset_id, query.index_type())


@router.get("/{dataset_id}/index", summary="The latest task building an index")
@envelope(Envelope.R)
def trace_index(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[IndexTypeQuery]
) -> Response:
    return _trace(services, caller, dataset_id, query.index_type())


@router.delete("/{dataset_id}/index", summary="Stop an index's tasks and remove it (keep it with wipe=false)")
@envelope(Envelope.R)
def delete_index(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[IndexTypeQuery], _: NoBody
) -> Response:
    return _delete(services, caller, dataset_id, query.index_type(), wipe=query.wiping())


@router.get("/{dataset_id}/graph", summary="A dataset's knowledge graph (top 256 entities, 128 relations) and mind map")
@envelope(Envelope.R)
def knowledge_graph(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return _graph(services, caller, dataset_id)


# ---- RAGFlow's older paths ----------------------------------------------------------------------


@router.post("/{dataset_id}/run_graphrag", summary="Build the knowledge graph", deprecated=True)
@envelope(Envelope.R)
def run_graphrag(dataset_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    return _run(services, caller, dataset_id, "graph")


@router.post("/{dataset_id}/run_raptor", summary="Build the RAPTOR index", deprecated=True)
@envelope(Envelope.R)
def run_raptor(dataset_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    return _run(services, caller, dataset_id, "raptor")


@router.get("/{dataset_id}/trace_graphrag", summary="The task building the knowledge graph", deprecated=True)
@envelope(Envelope.R)
def trace_graphrag(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return _trace(services, caller, dataset_id, "graph")


@router.get("/{dataset_id}/trace_raptor", summary="The task building the RAPTOR index", deprecated=True)
@envelope(Envelope.R)
def trace_raptor(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return _trace(services, caller, dataset_id, "raptor")


@router.delete("/{dataset_id}/graph", summary="Stop building and remove the knowledge graph", deprecated=True)
@envelope(Envelope.R)
def delete_graph(dataset_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    return _delete(services, caller, dataset_id, "graph")


@router.delete("/{dataset_id}/raptor", summary="Remove the RAPTOR index", deprecated=True)
@envelope(Envelope.R)
def delete_raptor(dataset_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    return _delete(services, caller, dataset_id, "raptor")


@router.delete("/{dataset_id}/mindmap", summary="Stop building and remove the mind map", deprecated=True)
@envelope(Envelope.R)
def delete_mindmap(dataset_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    return _delete(services, caller, dataset_id, "mindmap")


@router.get("/{dataset_id}/knowledge_graph", summary="A dataset's knowledge graph", deprecated=True)
@envelope(Envelope.R)
def get_knowledge_graph(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return _graph(services, caller, dataset_id)


@router.delete("/{dataset_id}/knowledge_graph", summary="Stop building and remove the knowledge graph", deprecated=True)
@envelope(Envelope.R, data=bool)
def delete_knowledge_graph(dataset_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.enrichment.delete(caller, dataset_id, "graph")
    return success(Envelope.R, True)
