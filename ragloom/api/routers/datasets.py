"""``/datasets``: create, list, read, update, delete; auto-metadata config (contract §3, §13.1)."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import Query, StrictBody
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.datasets import (
    CreateDatasetRequest,
    DatasetDetailOut,
    DatasetListItemOut,
    DatasetOut,
    DeleteRequest,
    ListDatasetsQuery,
    UpdateDatasetRequest,
    UpdatedDatasetOut,
    dataset_list_item,
    dataset_public,
)
from ragloom.api.schemas.parser_config import AutoMetadataConfig
from ragloom.errors import DataError
from ragloom.ids import parse_uuid
from ragloom.services.datasets import DatasetChanges, NewDataset

router = api_router("/datasets", tags=["datasets"])

_PIPELINES_UNSUPPORTED = "Ingestion pipelines are not supported by ragloom; choose a chunk_method instead"


@router.post("", summary="Create a dataset")
@envelope(Envelope.R, data=DatasetOut)
def create_dataset(caller: CurrentCaller, services: ServicesDep, body: StrictBody[CreateDatasetRequest]) -> Response:
    if body.pipeline_id is not None:
        raise DataError(_PIPELINES_UNSUPPORTED)
    spec = NewDataset(
        name=body.name,
        avatar=body.avatar,
        description=body.description,
        embedding_model=body.embedding_model,
        permission=body.permission,
        chunk_method=body.chunk_method or "naive",
        parser_config=body.parser_config.model_dump() if body.parser_config else None,
        auto_metadata=body.auto_metadata_config.model_dump() if body.auto_metadata_config else None,
    )
    return success(Envelope.R, dataset_public(services.datasets.create(caller, spec)))


@router.get("", summary="List datasets")
@envelope(Envelope.R, data=list[DatasetListItemOut])
def list_datasets(caller: CurrentCaller, services: ServicesDep, query: Query[ListDatasetsQuery]) -> Response:
    views, total = services.datasets.list_page(caller, query.listing())
    items = [dataset_list_item(view, parsing_status=query.include_parsing_status) for view in views]
    return success(Envelope.R, items, total_datasets=total)


@router.delete("", summary="Delete datasets")
def delete_datasets(caller: CurrentCaller, services: ServicesDep, body: StrictBody[DeleteRequest]) -> Response:
    deleted = services.datasets.delete(caller, body.ids, body.delete_all)
    return success(Envelope.R, {"success_count": deleted})


@router.get("/{dataset_id}", summary="Get one dataset")
@envelope(Envelope.R, data=DatasetDetailOut)
def get_dataset(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    if parse_uuid(dataset_id) is None:
        raise DataError("Invalid Dataset ID")
    view = services.datasets.get(caller, dataset_id)
    detail: DatasetDetailOut = {**dataset_public(view), "size": view.counts.size, "connectors": []}
    return success(Envelope.R, detail)


@router.put("/{dataset_id}", summary="Update a dataset")
@envelope(Envelope.R, data=UpdatedDatasetOut)
def update_dataset(
    dataset_id: str,  # noqa: ARG001 -- validated with the body, as RAGFlow does
    caller: CurrentCaller,
    services: ServicesDep,
    body: StrictBody[UpdateDatasetRequest],
) -> Response:
    if body.pipeline_id is not None:
        raise DataError(_PIPELINES_UNSUPPORTED)
    if body.connectors:
        raise DataError("Data-source connectors are not supported by ragloom")
    values = body.model_dump(exclude_unset=True, exclude={"dataset_id", "connectors", "ext", "parse_type"})
    view = services.datasets.update(caller, body.dataset_id, DatasetChanges(values))
    updated: UpdatedDatasetOut = {**dataset_public(view), "connectors": body.connectors}
    return success(Envelope.R, updated)


@router.get("/{dataset_id}/metadata/config", summary="Get a dataset's auto-metadata config")
def get_metadata_config(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.datasets.metadata_config(caller, dataset_id))


@router.put("/{dataset_id}/metadata/config", summary="Set a dataset's auto-metadata config")
def put_metadata_config(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, config: StrictBody[AutoMetadataConfig]
) -> Response:
    return success(Envelope.R, services.datasets.set_metadata_config(caller, dataset_id, config.model_dump()))
