"""Documents of a dataset: upload, list, update, download, delete (contract §4)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams, UploadFile

from ragloom.api.bodies import read_loose_body, validate
from ragloom.api.deps import CurrentCaller, Limits, LooseBody, ServicesDep, StrictJsonBody
from ragloom.api.downloads import send
from ragloom.api.envelopes import Envelope, success
from ragloom.api.json_input import decode_json
from ragloom.api.params import page_and_size, query_int, sane_page
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.documents import (
    DeleteDocumentsRequest,
    UpdateDocumentRequest,
    document_list_item,
    document_patch_item,
    document_raw_item,
    document_upload_item,
)
from ragloom.api.schemas.ids import DocumentIdsQuery
from ragloom.api.schemas.parser_config import ParserConfig
from ragloom.api.uploads import read_multipart
from ragloom.errors import ArgumentError, DataError, RetCode
from ragloom.services.documents import DocumentListing, IncomingFile
from ragloom.settings import LimitSettings

router = APIRouter(tags=["documents"], route_class=EnvelopeRoute)

_UPLOAD_OVERRIDES = ("table_column_mode", "table_column_roles")


@dataclass
class UploadRequest:
    """A parsed upload: either multipart files or the name of an empty document."""

    form: FormData | None = None
    empty_name: str | None = None


async def _upload_request(
    dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep
) -> AsyncIterator[UploadRequest]:
    kind = request.query_params.get("type", "local").lower()
    if kind not in {"local", "web", "empty"}:
        raise ArgumentError('`type` must be one of "local", "web", or "empty".')
    await run_in_threadpool(services.documents.check_upload_target, caller, dataset_id)
    if kind == "web":
        raise DataError("Uploading from a URL (type=web) is not supported by ragloom; upload the file instead")
    if kind == "empty":
        body = await read_loose_body(request, services.settings.limits)
        name = body.get("name")
        yield UploadRequest(empty_name=name if isinstance(name, str) else "")
        return
    form = await read_multipart(request, services.settings.upload)
    try:
        yield UploadRequest(form=form)
    finally:
        await form.close()


Upload = Annotated[UploadRequest, Depends(_upload_request)]


def _incoming(part: UploadFile) -> IncomingFile:
    size = part.size
    if size is None:
        part.file.seek(0, 2)
        size = part.file.tell()
    part.file.seek(0)
    return IncomingFile(name=part.filename or "", stream=part.file, size=size)


def _upload_overrides(form: FormData, limits: LimitSettings) -> dict[str, Any]:
    raw = form.get("parser_config")
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        given = decode_json(raw, limits)
    except ValueError:
        raise ArgumentError("parser_config must be a JSON object") from None
    if not isinstance(given, dict):
        raise ArgumentError("parser_config must be a JSON object")
    chosen = {key: given[key] for key in _UPLOAD_OVERRIDES if key in given}
    return validate(ParserConfig, chosen).model_dump(include=set(chosen))


@router.post("/datasets/{dataset_id}/documents", summary="Upload documents")
def upload_documents(
    dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep, upload: Upload
) -> Response:
    if upload.empty_name is not None:
        document = services.documents.create_empty(caller, dataset_id, upload.empty_name)
        return success(Envelope.R, document_upload_item(document))
    assert upload.form is not None
    parts = [part for part in upload.form.getlist("file") if isinstance(part, UploadFile)]
    if not parts:
        raise ArgumentError("No file part!")
    if any(not part.filename for part in parts):
        raise ArgumentError("No file selected!")
    files = [_incoming(part) for part in parts]
    overrides = _upload_overrides(upload.form, services.settings.limits)
    documents = services.documents.upload(caller, dataset_id, files, parser_overrides=overrides)
    raw = request.query_params.get("return_raw_files", "").lower() == "true"
    render = document_raw_item if raw else document_upload_item
    return success(Envelope.R, [render(document) for document in documents])


def _many(params: QueryParams, *keys: str) -> tuple[str, ...]:
    return tuple(value for key in keys for value in params.getlist(key) if value != "")


def _json_parameter(params: QueryParams, key: str, limits: LimitSettings) -> str | None:
    """A query-string value holding JSON, refused if its shape is beyond the limits; JSON
    that is malformed is passed on, for the service to word as RAGFlow does."""
    raw = params.get(key) or None
    if raw is not None:
        with contextlib.suppress(ValueError):
            decode_json(raw, limits)
    return raw


def _listing(params: QueryParams, limits: LimitSettings) -> DocumentListing:
    # RAGFlow lists every document for a page or page size of 0; that bypasses the 100-row cap.
    page, page_size = sane_page(*page_and_size(params))
    return DocumentListing(
        document_id=params.get("id") or None,
        document_ids=tuple(validate(DocumentIdsQuery, {"ids": list(_many(params, "ids", "ids[]"))}).ids),
        name=params.get("name") or None,
        keywords=params.get("keywords") or None,
        suffixes=_many(params, "suffix", "suffix[]"),
        types=_many(params, "types", "types[]"),
        runs=_many(params, "run", "run[]", "run_status", "run_status[]"),
        create_time_from=query_int(params, "create_time_from", 0),
        create_time_to=query_int(params, "create_time_to", 0),
        metadata_condition=_json_parameter(params, "metadata_condition", limits),
        metadata=_json_parameter(params, "metadata", limits),
        return_empty_metadata=params.get("return_empty_metadata", "").lower() == "true",
        page=page,
        page_size=page_size,
        orderby=params.get("orderby") or "create_time",
        desc=params.get("desc", "true").lower() != "false",
    )


@router.get("/datasets/{dataset_id}/documents", summary="List documents")
@envelope(Envelope.J)
def list_documents(
    dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep, limits: Limits
) -> Response:
    listing = _listing(request.query_params, limits)
    if request.query_params.get("type") == "filter":
        return success(Envelope.J, services.documents.aggregate(caller, dataset_id, listing))
    views, total = services.documents.list_page(caller, dataset_id, listing)
    return success(Envelope.J, {"total": total, "docs": [document_list_item(view) for view in views]})


@router.patch("/datasets/{dataset_id}/documents/{document_id}", summary="Update a document")
@router.put("/datasets/{dataset_id}/documents/{document_id}", summary="Update a document (alias)")
def update_document(
    dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody
) -> Response:
    services.documents.require(caller, dataset_id, document_id)
    request = validate(UpdateDocumentRequest, body, code=RetCode.DATA_ERROR)
    values = request.model_dump(exclude_unset=True)
    return success(Envelope.R, document_patch_item(services.documents.update(caller, dataset_id, document_id, values)))


@router.delete("/datasets/{dataset_id}/documents", summary="Delete documents")
def delete_documents(dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: StrictJsonBody) -> Response:
    request = validate(DeleteDocumentsRequest, body)
    deleted = services.documents.delete(caller, dataset_id, request.ids, request.delete_all)
    return success(Envelope.R, {"deleted": deleted})


@router.get("/datasets/{dataset_id}/documents/{document_id}", summary="Download a document")
@envelope(Envelope.D)
def download_document(dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return send(services.documents.download(caller, dataset_id, document_id), preview=False)


@router.get("/documents/{document_id}", summary="Download a document by id")
@envelope(Envelope.D)
def download_by_id(document_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return send(services.documents.download(caller, None, document_id), preview=False)


@router.get("/documents/{document_id}/preview", summary="Show a document inline (active content as an attachment)")
@envelope(Envelope.D)
def preview_document(document_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return send(services.documents.download(caller, None, document_id, preview=True), preview=True)
