"""Tags of a dataset's chunks (contract §13.3): list, rename, remove, and counts across datasets."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ragloom.api.bodies import validate_worded
from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.query_lists import required_dataset_ids
from ragloom.api.routing import EnvelopeRoute
from ragloom.api.schemas.tags import DeleteTagsRequest, RenameTagRequest, tag_values

router = APIRouter(prefix="/datasets", tags=["tags"], route_class=EnvelopeRoute)


@router.get("/tags/aggregation", summary="Count tags across datasets")
def aggregate_tags(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    dataset_ids = required_dataset_ids(request.query_params)
    return success(Envelope.R, tag_values(services.tags.aggregate(caller, dataset_ids)))


@router.get("/{dataset_id}/tags", summary="List a dataset's tags with their chunk counts")
def list_tags(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, [[tag, count] for tag, count in services.tags.counts(caller, dataset_id)])


@router.put("/{dataset_id}/tags", summary="Rename a tag in every chunk of a dataset")
def rename_tag(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    request = validate_worded(RenameTagRequest, body)
    services.tags.rename(caller, dataset_id, request.from_tag, request.to_tag)
    return success(Envelope.R, {"from": request.from_tag, "to": request.to_tag})


@router.delete("/{dataset_id}/tags", summary="Remove tags from every chunk of a dataset")
def delete_tags(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    request = validate_worded(DeleteTagsRequest, body)
    services.tags.remove(caller, dataset_id, request.tags)
    return success(Envelope.R, {})
