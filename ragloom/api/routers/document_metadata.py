"""Documents' metadata across a dataset (contract §13.2, §13.3): summary, flattened view, bulk
edit (``POST …/metadata/update`` and its twin ``PATCH …/documents/metadatas``), and one
document's auto-metadata config."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.document_metadata import (
    DocumentMetadataConfigRequest,
    MetadataEditBody,
    MetadataEditOut,
    MetadataSummaryQuery,
    document_row,
)
from ragloom.api.schemas.ids import DatasetIdsQuery
from ragloom.services.container import Services
from ragloom.services.document_metadata import dataset_not_owned
from ragloom.services.tenants import Caller

router = api_router("/datasets", tags=["metadata"])


@router.get("/metadata/flattened", summary="Documents by metadata key and value, across datasets")
@envelope(Envelope.R, data=dict[str, dict[str, list[str]]])
def flattened_metadata(caller: CurrentCaller, services: ServicesDep, query: Query[DatasetIdsQuery]) -> Response:
    return success(Envelope.R, services.document_metadata.flattened(caller, query.required_dataset_ids()))


@router.get("/{dataset_id}/metadata/summary", summary="Metadata keys and value counts of a dataset's documents")
@envelope(Envelope.R)
def metadata_summary(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[MetadataSummaryQuery]
) -> Response:
    summary = services.document_metadata.summary(caller, dataset_id, query.document_ids())
    return success(Envelope.R, {"summary": summary})


def _edit(services: Services, caller: Caller, dataset_id: str, body: MetadataEditBody, *, patch: bool) -> Response:
    refusal = dataset_not_owned(dataset_id, trailing_space=not patch)
    services.document_metadata.require_dataset(caller, dataset_id, refusal)  # before the body, as RAGFlow
    outcome = services.document_metadata.edit(caller, dataset_id, body.edit(), refusal)
    edited: MetadataEditOut = {"updated": outcome.updated, "matched_docs": outcome.matched}
    return success(Envelope.R, edited)


@router.post("/{dataset_id}/metadata/update", summary="Update and delete metadata of many documents")
@envelope(Envelope.R, data=MetadataEditOut)
def update_metadata(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[MetadataEditBody]
) -> Response:
    return _edit(services, caller, dataset_id, body, patch=False)


@router.patch("/{dataset_id}/documents/metadatas", summary="Update and delete metadata of many documents (alias)")
@envelope(Envelope.R, data=MetadataEditOut)
def patch_metadatas(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[MetadataEditBody]
) -> Response:
    return _edit(services, caller, dataset_id, body, patch=True)


@router.put("/{dataset_id}/documents/{document_id}/metadata/config", summary="Set a document's auto-metadata fields")
@envelope(Envelope.R)
def document_metadata_config(
    dataset_id: str,
    document_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[DocumentMetadataConfigRequest],
) -> Response:
    document = services.document_metadata.set_document_config(caller, dataset_id, document_id, body.metadata)
    return success(Envelope.R, document_row(document))
