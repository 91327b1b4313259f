"""Every error from a dataset or document route has exactly ``code`` and ``message``.

``Document.download`` in the SDK treats any other key set as file content, and RAGFlow's
R envelope never carries ``data`` on errors, so this is held for all R/D routes at once.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

BAD_REQUESTS = [
    ("POST", "/api/v1/datasets", {"content": b"{", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/v1/datasets", {"json": {"name": ""}}),
    ("POST", "/api/v1/datasets", {"json": {"name": "x", "bogus": 1}}),
    ("PUT", "/api/v1/datasets/not-a-uuid", {"json": {"name": "x"}}),
    ("DELETE", "/api/v1/datasets", {"json": {"ids": ["x"]}}),
    ("GET", "/api/v1/datasets?page_size=101", {}),
    ("POST", "/api/v1/datasets/0123/documents", {"files": {"file": ("a.txt", b"x")}}),
    ("PATCH", "/api/v1/datasets/0123/documents/4567", {"json": {}}),
    ("GET", "/api/v1/datasets/0123/documents/4567", {}),
    ("DELETE", "/api/v1/datasets/0123/documents", {"json": {"ids": ["a"]}}),
]


@pytest.mark.parametrize(("method", "path", "options"), BAD_REQUESTS)
def test_error_bodies_have_exactly_code_and_message(
    client: TestClient, headers: dict[str, str], method: str, path: str, options: dict[str, object]
) -> None:
    request_headers = {**headers, **options.pop("headers", {})}  # type: ignore[dict-item]
    response = client.request(method, path, headers=request_headers, **options)  # type: ignore[arg-type]
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] != 0
    assert body["message"]
