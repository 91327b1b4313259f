"""Reading multipart uploads with a hard cap on how much is read.

The cap is checked against ``Content-Length`` before anything is read and against the
bytes actually received while parsing, so a client that lies or streams chunked cannot
make the server spool more than ``max_request_size`` to disk.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from ragloom.api.bodies import media_type
from ragloom.errors import ArgumentError
from ragloom.settings import UploadSettings


class _TooLargeError(Exception):
    pass


def _too_large(limit: int) -> ArgumentError:
    return ArgumentError(f"Upload is larger than the limit of {limit} bytes.")


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for piece in stream:
        received += len(piece)
        if received > limit:
            raise _TooLargeError
        yield piece


async def read_multipart(request: Request, limits: UploadSettings) -> FormData:
    """The parsed form; ``No file part!`` if the request is not multipart at all."""
    if media_type(request) != "multipart/form-data":
        raise ArgumentError("No file part!")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_request_size:
        raise _too_large(limits.max_request_size)
    parser = MultiPartParser(
        request.headers,
        _capped(request.stream(), limits.max_request_size),
        max_files=limits.max_files,
        max_fields=1000,
    )
    try:
        return await parser.parse()
    except _TooLargeError:
        raise _too_large(limits.max_request_size) from None
    except MultiPartException as error:
        raise ArgumentError(error.message) from None
