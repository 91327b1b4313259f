"""Documents of a dataset: upload, list, update, download, delete (contract §4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ragloom.api.bodies import read_loose_body, validate
from ragloom.api.deps import CurrentCaller, Limits, ServicesDep
from ragloom.api.downloads import send
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import JSON, MULTIPART, Declared, LooseBody, Query, StrictBody, context_of, declares
from ragloom.api.routing import Success, api_router, envelope
from ragloom.api.schemas.documents import (
    DeleteDocumentsRequest,
    ListDocumentsQuery,
    PageImageQuery,
    UpdateDocumentRequest,
    document_list_item,
    document_patch_item,
    document_raw_item,
    document_upload_item,
)
from ragloom.api.schemas.uploads import EmptyDocumentRequest, UploadForm, UploadQuery
from ragloom.api.uploads import read_multipart
from ragloom.errors import DataError
from ragloom.services.documents import IncomingFile
from ragloom.services.page_images import page_number

router = api_router(tags=["documents"])


@dataclass
class UploadRequest:
    """A parsed upload: either multipart files or the name of an empty document."""

    form: UploadForm | None = None
    empty_name: str | None = None


@declares(Declared(bodies=((MULTIPART, UploadForm), (JSON, EmptyDocumentRequest)), body_required=True))
async def _upload_request(
    dataset_id: str, request: Request, caller: CurrentCaller, services: ServicesDep, query: Query[UploadQuery]
) -> AsyncIterator[UploadRequest]:
    kind = query.kind()
    await run_in_threadpool(services.documents.check_upload_target, caller, dataset_id)
    if kind == "web":
        raise DataError("Uploading from a URL (type=web) is not supported by ragloom; upload the file instead")
    if kind == "empty":
        body = await read_loose_body(request, services.settings.limits)
        yield UploadRequest(empty_name=validate(EmptyDocumentRequest, body).document_name())
        return
    form = await read_multipart(request, services.settings.upload)
    try:
        fields = {"file": form.getlist("file"), "parser_config": form.get("parser_config")}
        yield UploadRequest(form=validate(UploadForm, fields, context=context_of(request)))
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


@router.post("/datasets/{dataset_id}/documents", summary="Upload documents")
def upload_documents(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[UploadQuery], upload: Upload
) -> Response:
    if upload.empty_name is not None:
        document = services.documents.create_empty(caller, dataset_id, upload.empty_name)
        return success(Envelope.R, document_upload_item(document))
    assert upload.form is not None
    files = [_incoming(part) for part in upload.form.files]
    documents = services.documents.upload(caller, dataset_id, files, parser_overrides=upload.form.overrides)
    render = document_raw_item if query.raw() else document_upload_item
    return success(Envelope.R, [render(document) for document in documents])


@router.get("/datasets/{dataset_id}/documents", summary="List documents")
@envelope(Envelope.J)
def list_documents(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, limits: Limits, query: Query[ListDocumentsQuery]
) -> Response:
    listing = query.listing(limits)
    if query.aggregate():
        return success(Envelope.J, services.documents.aggregate(caller, dataset_id, listing))
    views, total = services.documents.list_page(caller, dataset_id, listing)
    return success(Envelope.J, {"total": total, "docs": [document_list_item(view) for view in views]})


def _owned_document(dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep) -> None:
    services.documents.require(caller, dataset_id, document_id)


@router.patch("/datasets/{dataset_id}/documents/{document_id}", summary="Update a document")
@router.put(
    "/datasets/{dataset_id}/documents/{document_id}",
    summary="Update a document (alias of PATCH)",
    name="update_document_put",
    deprecated=True,
)
def update_document(
    dataset_id: str,
    document_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    _owned: Annotated[None, Depends(_owned_document)],
    body: LooseBody[UpdateDocumentRequest],
) -> Response:
    updated = services.documents.update(caller, dataset_id, document_id, body.changes())
    return success(Envelope.R, document_patch_item(updated))


@router.delete("/datasets/{dataset_id}/documents", summary="Delete documents")
def delete_documents(
    dataset_id: str, caller: CurrentCaller, services: ServicesDep, body: StrictBody[DeleteDocumentsRequest]
) -> Response:
    deleted = services.documents.delete(caller, dataset_id, body.ids, body.delete_all)
    return success(Envelope.R, {"deleted": deleted})


@router.get("/datasets/{dataset_id}/documents/{document_id}", summary="Download a document")
@envelope(Envelope.D, success=Success.FILE)
def download_document(dataset_id: str, document_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return send(services.documents.download(caller, dataset_id, document_id), preview=False)


@router.get("/documents/{document_id}", summary="Download a document by id")
@envelope(Envelope.D, success=Success.FILE)
def download_by_id(document_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return send(services.documents.download(caller, None, document_id), preview=False)


@router.get("/documents/{document_id}/preview", summary="Show a document inline (active content as an attachment)")
@envelope(Envelope.D, success=Success.FILE)
def preview_document(document_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return send(services.documents.download(caller, None, document_id, preview=True), preview=True)


@router.get(
    "/datasets/{dataset_id}/documents/{document_id}/pages/{page}",
    summary="A PDF document's page as a PNG picture (ragloom's own)",
    description=(
        "Page `page` (from 1) of a PDF document as PNG, `width` pixels wide, the page as displayed: the frame "
        "chunk `positions` ([page, x0, x1, top, bottom], in points) are measured in. `X-Page-Width` and "
        "`X-Page-Height` give the page's size in points, so a position maps to pixels times "
        "`width / X-Page-Width`. Refused in the envelope: another tenant's or a missing document (as a "
        "download is), a document that is not a PDF, a page that is not a number or past the last page."
    ),
)
@envelope(Envelope.D, success=Success.FILE)
def page_image(
    dataset_id: str,
    document_id: str,
    page: Annotated[str, Path(description="The page number, from 1.")],
    caller: CurrentCaller,
    services: ServicesDep,
    query: Query[PageImageQuery],
) -> Response:
    picture = services.page_images.page(caller, dataset_id, document_id, page_number(page), query.width)
    headers = {
        "Cache-Control": "private, max-age=86400",
        "Vary": "Authorization",
        "X-Page-Width": f"{picture.page_width:g}",
        "X-Page-Height": f"{picture.page_height:g}",
    }
    return Response(picture.png, media_type="image/png", headers=headers)
