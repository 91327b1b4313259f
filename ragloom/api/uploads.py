"""Reading multipart uploads with a hard cap on how much is read.

The cap is checked against ``Content-Length`` before anything is read and against the
bytes actually received while parsing, so a client that lies or streams chunked cannot
make the server spool more than ``max_request_size`` to disk. Each file part beyond
:data:`SPOOL_BYTES` goes to a temporary file as it arrives, so a request of a thousand
files never sits whole in memory.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from ragloom.api.bodies import capped_stream, media_type
from ragloom.errors import ArgumentError
from ragloom.settings import UploadSettings

SPOOL_BYTES = 64 * 1024


class _SpoolingParser(MultiPartParser):
    spool_max_size = SPOOL_BYTES


async def read_multipart(request: Request, limits: UploadSettings) -> FormData:
    """The parsed form; ``No file part!`` if the request is not multipart at all."""
    if media_type(request) != "multipart/form-data":
        raise ArgumentError("No file part!")
    limit = limits.max_request_size
    refusal = ArgumentError(f"Upload is larger than the limit of {limit} bytes.")
    parser = _SpoolingParser(
        request.headers, capped_stream(request, limit, refusal), max_files=limits.max_files, max_fields=1000
    )
    try:
        return await parser.parse()
    except MultiPartException as error:
        raise ArgumentError(error.message) from None
