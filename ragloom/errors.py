"""The exception hierarchy of ragloom.

Every error a user can cause or observe is a :class:`RagloomError`. Each carries the
RAGFlow return code (the ``code`` field of the envelope), the HTTP status it is sent
with, a message and optional ``data``. One handler in :mod:`ragloom.api.routing` turns
them into the envelope of the route that raised them, so services never build responses.

Families, caught by callers by family::

    RagloomError
    ├── ConfigError            settings that cannot work (raised before serving)
    ├── ArgumentError          101: the request is malformed or a value is out of range
    ├── DataError              102: a business rule refuses the request
    │   ├── NotFoundError      102: the object does not exist *for this tenant*
    │   └── ConflictError      102: a name or state conflicts with what exists
    ├── AuthenticationError    401: no or wrong API key (HTTP 401)
    ├── AuthorizationError     109: the object exists but is not the caller's
    ├── StorageError           500: a storage backend failed
    ├── ProviderError          400: a model provider failed
    ├── IngestError            500: a document could not be ingested
    └── RemoteError            a server a client command talks to refused a request or was unreachable
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class RetCode(IntEnum):
    """RAGFlow's return codes, as they appear in the ``code`` field."""

    SUCCESS = 0
    NOT_EFFECTIVE = 10
    EXCEPTION_ERROR = 100
    ARGUMENT_ERROR = 101
    DATA_ERROR = 102
    OPERATING_ERROR = 103
    CONNECTION_ERROR = 105
    RUNNING = 106
    PERMISSION_ERROR = 108
    AUTHENTICATION_ERROR = 109
    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    FORBIDDEN = 403
    NOT_FOUND = 404
    CONFLICT = 409
    SERVER_ERROR = 500


class RagloomError(Exception):
    """Root of every error ragloom reports to a caller."""

    code: RetCode = RetCode.EXCEPTION_ERROR
    http_status: int = 200

    def __init__(self, message: str, *, data: Any = None, code: RetCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data
        if code is not None:
            self.code = code

    def prefixed(self, prefix: str) -> RagloomError:
        """The same refusal (family, code, HTTP status, data) with ``prefix`` before its message, e.g.
        which part of a request it is about. Built without ``__init__``: subclasses may take other
        arguments."""
        error = type(self).__new__(type(self))
        error.__dict__.update(self.__dict__)
        error.message = prefix + self.message
        error.args = (error.message,)
        return error


class ConfigError(RagloomError):
    """The configuration cannot work; raised at start-up, never while serving."""


class ArgumentError(RagloomError):
    """The request is malformed or one of its values is not acceptable."""

    code = RetCode.ARGUMENT_ERROR


class DataError(RagloomError):
    """A business rule refuses the request."""

    code = RetCode.DATA_ERROR


class NotFoundError(DataError):
    """The object does not exist, or does not exist for the calling tenant."""


class ConflictError(DataError):
    """A name or a state conflicts with what already exists."""


class AuthenticationError(RagloomError):
    """The API key is missing, malformed, unknown or revoked."""

    code = RetCode.UNAUTHORIZED
    http_status = 401


class AuthorizationError(RagloomError):
    """The object exists but the caller may not act on it."""

    code = RetCode.AUTHENTICATION_ERROR


class StorageError(RagloomError):
    """A storage backend failed to read or write."""

    code = RetCode.SERVER_ERROR


class ProviderError(RagloomError):
    """A model provider failed or refused the request."""

    code = RetCode.BAD_REQUEST


class IngestError(RagloomError):
    """A document could not be parsed, chunked, embedded or indexed."""

    code = RetCode.SERVER_ERROR


class UnsupportedFileTypeError(ArgumentError):
    """An uploaded file's extension is not one ragloom accepts (RAGFlow answers code 500)."""

    code = RetCode.SERVER_ERROR


class RemoteError(RagloomError):
    """A server that a client command (``ragloom ingest --server``) talks to refused a request
    or could not be reached; ``code`` is the code it answered with, if any."""

    code = RetCode.CONNECTION_ERROR
