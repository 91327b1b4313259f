"""``/datasets``: create, list, read, update, delete; auto-metadata config (contract §3, §13.1)."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Request, Response

from ragloom.api.bodies import validate
from ragloom.api.deps import CurrentCaller, Limits, ServicesDep, StrictJsonBody
from ragloom.api.envelopes import Envelope, success
from ragloom.api.json_input import decode_json
from ragloom.api.routing import EnvelopeRoute
from ragloom.api.schemas.datasets import (
    CreateDatasetRequest,
    DatasetFields,
    DeleteRequest,
    ListDatasetsQuery,
    UpdateDatasetRequest,
    dataset_list_item,
    dataset_public,
)
from ragloom.api.schemas.parser_config import AutoMetadataConfig
from ragloom.errors import DataError
from ragloom.ids import parse_uuid
from ragloom.services.datasets import DatasetChanges, DatasetListing, NewDataset

router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=EnvelopeRoute)

_PIPELINES_UNSUPPORTED = "Ingestion pipelines are not supported by ragloom; choose a chunk_method instead"


def _lift_ext(body: dict[str, Any], model: type[DatasetFields]) -> dict[str, Any]:
    """Copy ``ext`` keys that name request fields to the top level (sent keys win)."""
    extra = body.get("ext")
    if not isinstance(extra, dict):
        return body
    lifted = dict(body)
    for key, value in extra.items():
        if key in model.model_fields and key not in lifted and key not in {"ext", "dataset_id"}:
            lifted[key] = value
    return lifted


@router.post("", summary="Create a dataset")
def create_dataset(caller: CurrentCaller, services: ServicesDep, body: StrictJsonBody) -> Response:
    request = validate(CreateDatasetRequest, _lift_ext(body, CreateDatasetRequest))
    if request.pipeline_id is not None:
        raise DataError(_PIPELINES_UNSUPPORTED)
    spec = NewDataset(
        name=request.name,
        avatar=request.avatar,
        description=request.description,
        embedding_model=request.embedding_model,
        permission=request.permission,
        chunk_method=request.chunk_method or "naive",
        parser_config=request.parser_config.model_dump() if request.parser_config else None,
        auto_metadata=request.auto_metadata_config.model_dump() if request.auto_metadata_config else None,
    )
    return success(Envelope.R, dataset_public(services.datasets.create(caller, spec)))


@router.get("", summary="List datasets")
def list_datasets(request: Request, caller: CurrentCaller, services: ServicesDep, limits: Limits) -> Response:
    arguments: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key == "ids":  # repeated, as ragflow-sdk 0.27 sends it
            arguments.setdefault(key, []).append(value)
        else:
            arguments.setdefault(key, value)
    if isinstance(arguments.get("ext"), str):
        with contextlib.suppress(ValueError):
            arguments["ext"] = decode_json(arguments["ext"], limits)
    query = validate(ListDatasetsQuery, arguments)
    owner_ids = query.ext.get("owner_ids")
    listing = DatasetListing(
        dataset_id=query.id,
        dataset_ids=tuple(query.ids or ()),
        name=query.name,
        name_contains=query.ext.get("keywords") or None,
        chunk_method=query.ext.get("parser_id") or None,
        owner_ids=list(owner_ids) if isinstance(owner_ids, list) and owner_ids else None,
        page=query.page,
        page_size=query.page_size,
        orderby=query.orderby,
        desc=query.desc,
    )
    views, total = services.datasets.list_page(caller, listing)
    items = [dataset_list_item(view, parsing_status=query.include_parsing_status) for view in views]
    return success(Envelope.R, items, total_datasets=total)


@router.delete("", summary="Delete datasets")
def delete_datasets(caller: CurrentCaller, services: ServicesDep, body: StrictJsonBody) -> Response:
    request = validate(DeleteRequest, body)
    deleted = services.datasets.delete(caller, request.ids, request.delete_all)
    return success(Envelope.R, {"success_count": deleted})


@router.get("/{dataset_id}", summary="Get one dataset")
def get_dataset(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    if parse_uuid(dataset_id) is None:
        raise DataError("Invalid Dataset ID")
    view = services.datasets.get(caller, dataset_id)
    return success(Envelope.R, {**dataset_public(view), "size": view.counts.size, "connectors": []})


@router.put("/{dataset_id}", summary="Update a dataset")
def update_dataset(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: StrictJsonBody) -> Response:
    request = validate(UpdateDatasetRequest, {**_lift_ext(body, UpdateDatasetRequest), "dataset_id": dataset_id})
    if request.pipeline_id is not None:
        raise DataError(_PIPELINES_UNSUPPORTED)
    if request.connectors:
        raise DataError("Data-source connectors are not supported by ragloom")
    values = request.model_dump(exclude_unset=True, exclude={"dataset_id", "connectors", "ext", "parse_type"})
    view = services.datasets.update(caller, request.dataset_id, DatasetChanges(values))
    return success(Envelope.R, {**dataset_public(view), "connectors": request.connectors})


@router.get("/{dataset_id}/metadata/config", summary="Get a dataset's auto-metadata config")
def get_metadata_config(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, services.datasets.metadata_config(caller, dataset_id))


@router.put("/{dataset_id}/metadata/config", summary="Set a dataset's auto-metadata config")
def put_metadata_config(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: StrictJsonBody
) -> Response:
    config = validate(AutoMetadataConfig, body).model_dump()
    return success(Envelope.R, services.datasets.set_metadata_config(caller, dataset_id, config))
