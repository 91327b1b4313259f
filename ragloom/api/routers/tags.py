"""Tags of a dataset's chunks (contract §13.3): list, rename, remove, and counts across datasets."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.ids import DatasetIdsQuery
from ragloom.api.schemas.tags import DeleteTagsRequest, RenamedTagOut, RenameTagRequest, TagCountOut, tag_values

router = api_router("/datasets", tags=["tags"])


@router.get("/tags/aggregation", summary="Count tags across datasets")
@envelope(Envelope.R, data=list[TagCountOut])
def aggregate_tags(caller: CurrentCaller, services: ServicesDep, query: Query[DatasetIdsQuery]) -> Response:
    return success(Envelope.R, tag_values(services.tags.aggregate(caller, query.required_dataset_ids())))


@router.get("/{dataset_id}/tags", summary="List a dataset's tags with their chunk counts")
@envelope(Envelope.R, data=list[list[str | int]])  # [tag, count]
def list_tags(dataset_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.R, [[tag, count] for tag, count in services.tags.counts(caller, dataset_id)])


@router.put("/{dataset_id}/tags", summary="Rename a tag in every chunk of a dataset")
@envelope(Envelope.R, data=RenamedTagOut)
def rename_tag(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[RenameTagRequest]
) -> Response:
    services.tags.rename(caller, dataset_id, body.from_tag, body.to_tag)
    renamed: RenamedTagOut = {"from": body.from_tag, "to": body.to_tag}
    return success(Envelope.R, renamed)


@router.delete("/{dataset_id}/tags", summary="Remove tags from every chunk of a dataset")
@envelope(Envelope.R)
def delete_tags(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[DeleteTagsRequest]
) -> Response:
    services.tags.remove(caller, dataset_id, body.tags)
    return success(Envelope.R, {})
