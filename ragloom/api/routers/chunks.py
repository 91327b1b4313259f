"""``/datasets/{ds}/documents/{doc}/chunks``: list, get, add, update, delete, availability (§6)."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request, Response

from ragloom.api.deps import CurrentCaller, Limits, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.params import page_and_size, sane_page
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.chunks import chunk_added, chunk_changes, chunk_list_item, new_chunk
from ragloom.api.schemas.documents import document_patch_item
from ragloom.errors import DataError
from ragloom.storage.blobs import BlobNotFoundError

router = APIRouter(tags=["chunks"], route_class=EnvelopeRoute)
CHUNKS = "/datasets/{dataset_id}/documents/{document_id}/chunks"


@router.get(CHUNKS, summary="List a document's chunks")
def list_chunks(
    dataset_id: str, document_id: str, request: Request, caller: CurrentCaller, services: ServicesDep
) -> Response:
    params = request.query_params
    page, page_size = sane_page(*page_and_size(params))
    available_param = params.get("available")
    page_of = services.chunks.list_page(
        caller,
        dataset_id,
        document_id,
        keywords=params.get("keywords") or "",
        chunk=params.get("id") or "",
        available=None if available_param is None else available_param.lower() == "true",
        page=page,
        page_size=page_size,
    )
    single = bool(params.get("id"))
    return success(
        Envelope.R,
        {
            "total": page_of.total,
            "chunks": [chunk_list_item(record, single=single) for record in page_of.chunks],
            "doc": document_patch_item(page_of.document),
        },
    )


@router.get(CHUNKS + "/{chunk_id}", summary="Get one chunk as stored")
def get_chunk(
    dataset_id: str, document_id: str, chunk_id: str, caller: CurrentCaller, services: ServicesDep
) -> Response:
    record = services.chunks.get(caller, dataset_id, document_id, chunk_id)
    return success(Envelope.R, services.chunks.raw(record))


@router.post(CHUNKS, summary="Add a chunk")
def add_chunk(
    dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody, limits: Limits
) -> Response:
    record = services.chunks.add(caller, dataset_id, document_id, new_chunk(body, limits))
    return success(Envelope.R, {"chunk": chunk_added(record, tags_sent="tag_kwd" in body)})


@router.patch(CHUNKS + "/{chunk_id}", summary="Update a chunk")
@router.put(CHUNKS + "/{chunk_id}", summary="Update a chunk (alias)")
def update_chunk(
    dataset_id: str,
    document_id: str,
    chunk_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody,
    limits: Limits,
) -> Response:
    services.chunks.update(caller, dataset_id, document_id, chunk_id, chunk_changes(body, limits))
    return success(Envelope.R)


@router.delete(CHUNKS, summary="Delete chunks")
def delete_chunks(
    dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody
) -> Response:
    ids = body.get("chunk_ids") or []
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise DataError("`chunk_ids` must be a list of chunk ids")
    duplicates = [item for item, count in Counter(ids).items() if count > 1]
    deleted = services.chunks.delete(caller, dataset_id, document_id, ids, body.get("delete_all") is True)
    if duplicates:
        errors = [f"Duplicate chunk ids: {item}" for item in duplicates]
        return success(Envelope.R, {"success_count": deleted, "errors": errors})
    return success(Envelope.R)


@router.patch(CHUNKS, summary="Switch chunks on or off")
def set_availability(
    dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody
) -> Response:
    ids = body.get("chunk_ids")
    if not ids or not isinstance(ids, list):
        raise DataError("`chunk_ids` is required.")
    if "available_int" in body:
        on = body["available_int"] in (1, True, "1")
    elif "available" in body:
        on = body["available"] in (True, 1, "true", "True", "1")
    else:
        raise DataError("`available_int` or `available` is required.")
    services.chunks.set_available(caller, dataset_id, document_id, [str(item) for item in ids], on)
    return success(Envelope.R, True)


@router.get("/documents/images/{image_id}", summary="A chunk's image")
@envelope(Envelope.D)
def chunk_image(image_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    try:
        data = services.chunks.image(caller, image_id)
    except BlobNotFoundError:
        raise DataError("Image not found!") from None
    return Response(data, media_type=_image_type(data))


def _image_type(data: bytes) -> str:
    signatures = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp"}
    return next((kind for magic, kind in signatures.items() if data.startswith(magic)), "application/octet-stream")
