"""Documents' metadata across a dataset (contract §13.2, §13.3): summary, flattened view, bulk
edit (``POST …/metadata/update`` and its twin ``PATCH …/documents/metadatas``), and one
document's auto-metadata config."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ragloom.api.bodies import validate_worded
from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.query_lists import id_list, required_dataset_ids
from ragloom.api.routing import EnvelopeRoute
from ragloom.api.schemas.document_metadata import DocumentMetadataConfigRequest, MetadataEditRequest, document_row
from ragloom.services.container import Services
from ragloom.services.document_metadata import dataset_not_owned
from ragloom.services.tenants import Caller

router = APIRouter(prefix="/datasets", tags=["metadata"], route_class=EnvelopeRoute)


@router.get("/metadata/flattened", summary="Documents by metadata key and value, across datasets")
def flattened_metadata(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    dataset_ids = required_dataset_ids(request.query_params)
    return success(Envelope.R, services.document_metadata.flattened(caller, dataset_ids))


@router.get("/{dataset_id}/metadata/summary", summary="Metadata keys and value counts of a dataset's documents")
def metadata_summary(dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    document_ids = id_list(request.query_params, "doc_ids") or None
    return success(Envelope.R, {"summary": services.document_metadata.summary(caller, dataset_id, document_ids)})


def _edit(services: Services, caller: Caller, dataset_id: str, body: dict[str, object], *, patch: bool) -> Response:
    refusal = dataset_not_owned(dataset_id, trailing_space=not patch)
    services.document_metadata.require_dataset(caller, dataset_id, refusal)
    edit = validate_worded(MetadataEditRequest, body).edit()
    outcome = services.document_metadata.edit(caller, dataset_id, edit, refusal)
    return success(Envelope.R, {"updated": outcome.updated, "matched_docs": outcome.matched})


@router.post("/{dataset_id}/metadata/update", summary="Update and delete metadata of many documents")
def update_metadata(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _edit(services, caller, dataset_id, body, patch=False)


@router.patch("/{dataset_id}/documents/metadatas", summary="Update and delete metadata of many documents (alias)")
def patch_metadatas(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return _edit(services, caller, dataset_id, body, patch=True)


@router.put("/{dataset_id}/documents/{document_id}/metadata/config", summary="Set a document's auto-metadata fields")
def document_metadata_config(
    dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody
) -> Response:
    metadata = validate_worded(DocumentMetadataConfigRequest, body).metadata
    document = services.document_metadata.set_document_config(caller, dataset_id, document_id, metadata)
    return success(Envelope.R, document_row(document))
