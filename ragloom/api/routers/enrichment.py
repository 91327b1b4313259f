"""Knowledge graph, RAPTOR and mind-map indexes of a dataset (contract §13.3, with RAGFlow's
older aliases), which ragloom does not build yet: see :mod:`ragloom.services.enrichment`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.routing import EnvelopeRoute

router = APIRouter(prefix="/datasets", tags=["enrichment"], route_class=EnvelopeRoute)

# RAGFlow's older paths name the index in the path instead of ``?type=``.
_TYPE_IN_PATH = {
    "run_graphrag": "graph",
    "trace_graphrag": "graph",
    "run_raptor": "raptor",
    "trace_raptor": "raptor",
    "graph": "graph",
    "raptor": "raptor",
    "mindmap": "mindmap",
}


def _index_type(request: Request) -> str:
    """The index a request names: by its path for an alias, else by ``?type=``."""
    last = str(getattr(request.scope.get("route"), "path", "")).rsplit("/", 1)[-1]
    return _TYPE_IN_PATH.get(last) or request.query_params.get("type", "")


@router.post("/{dataset_id}/index", summary="Build a graph, RAPTOR or mind-map index (not built by ragloom yet)")
@router.post("/{dataset_id}/run_graphrag", summary="Build the knowledge graph (alias; not built by ragloom yet)")
@router.post("/{dataset_id}/run_raptor", summary="Build the RAPTOR index (alias; not built by ragloom yet)")
def run_index(dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.enrichment.run(caller, dataset_id, _index_type(request)))


@router.get("/{dataset_id}/index", summary="The task building an index (there is none)")
@router.get("/{dataset_id}/trace_graphrag", summary="The task building the knowledge graph (alias; none)")
@router.get("/{dataset_id}/trace_raptor", summary="The task building the RAPTOR index (alias; none)")
def trace_index(dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.enrichment.trace(caller, dataset_id, _index_type(request)))


@router.delete("/{dataset_id}/index", summary="Remove an index (there is none)")
@router.delete("/{dataset_id}/graph", summary="Remove the knowledge graph (alias; there is none)")
@router.delete("/{dataset_id}/raptor", summary="Remove the RAPTOR index (alias; there is none)")
@router.delete("/{dataset_id}/mindmap", summary="Remove the mind map (alias; there is none)")
def delete_index(dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.enrichment.delete(caller, dataset_id, _index_type(request)))


@router.get("/{dataset_id}/graph", summary="A dataset's knowledge graph and mind map (empty)")
@router.get("/{dataset_id}/knowledge_graph", summary="A dataset's knowledge graph (alias)")
def knowledge_graph(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.enrichment.graph(caller, dataset_id))


@router.delete("/{dataset_id}/knowledge_graph", summary="Remove a dataset's knowledge graph (alias; there is none)")
def delete_knowledge_graph(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    services.enrichment.delete(caller, dataset_id, "graph")
    return success(Envelope.R, True)
