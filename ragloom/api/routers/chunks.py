"""``/datasets/{ds}/documents/{doc}/chunks``: list, get, add, update, delete, availability (§6)."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, Query
from ragloom.api.params import page_and_size, sane_page
from ragloom.api.routing import Success, api_router, envelope
from ragloom.api.schemas.chunks import (
    ChunkAvailabilityRequest,
    ChunkUpdateRequest,
    DeleteChunksRequest,
    ListChunksQuery,
    NewChunkRequest,
    chunk_added,
    chunk_list_item,
)
from ragloom.api.schemas.documents import document_patch_item
from ragloom.errors import DataError
from ragloom.services.chunks import IMAGE_NOT_FOUND
from ragloom.storage.blobs import BlobNotFoundError

router = api_router(tags=["chunks"])
CHUNKS = "/datasets/{dataset_id}/documents/{document_id}/chunks"


@router.get(CHUNKS, summary="List a document's chunks")
def list_chunks(
    dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[ListChunksQuery]
) -> Response:
    params = query.given()
    page, page_size = sane_page(*page_and_size(params))
    page_of = services.chunks.list_page(
        caller,
        dataset_id,
        document_id,
        keywords=params.get("keywords") or "",
        chunk=params.get("id") or "",
        available=query.available_filter(),
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
    dataset_id: str,
    document_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[NewChunkRequest],
) -> Response:
    record = services.chunks.add(caller, dataset_id, document_id, body.checked)
    return success(Envelope.R, {"chunk": chunk_added(record, tags_sent="tag_kwd" in body.given())})


@router.patch(CHUNKS + "/{chunk_id}", summary="Update a chunk")
@router.put(CHUNKS + "/{chunk_id}", summary="Update a chunk (alias of PATCH)", name="update_chunk_put", deprecated=True)
def update_chunk(
    dataset_id: str,
    document_id: str,
    chunk_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[ChunkUpdateRequest],
) -> Response:
    services.chunks.update(caller, dataset_id, document_id, chunk_id, body.checked)
    return success(Envelope.R)


@router.delete(CHUNKS, summary="Delete chunks")
def delete_chunks(
    dataset_id: str,
    document_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[DeleteChunksRequest],
) -> Response:
    duplicates = body.duplicates()
    deleted = services.chunks.delete(caller, dataset_id, document_id, body.checked, body.everything())
    if duplicates:
        errors = [f"Duplicate chunk ids: {item}" for item in duplicates]
        return success(Envelope.R, {"success_count": deleted, "errors": errors})
    return success(Envelope.R)


@router.patch(CHUNKS, summary="Switch chunks on or off")
def set_availability(
    dataset_id: str,
    document_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[ChunkAvailabilityRequest],
) -> Response:
    services.chunks.set_available(caller, dataset_id, document_id, body.ids(), body.checked)
    return success(Envelope.R, True)


@router.get("/documents/images/{image_id}", summary="A chunk's image")
@envelope(Envelope.D, success=Success.FILE)
def chunk_image(image_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    try:
        data = services.chunks.image(caller, image_id)
    except BlobNotFoundError:
        raise DataError(IMAGE_NOT_FOUND) from None
    return Response(data, media_type=_image_type(data))


def _image_type(data: bytes) -> str:
    signatures = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp"}
    return next((kind for magic, kind in signatures.items() if data.startswith(magic)), "application/octet-stream")
