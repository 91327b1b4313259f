"""Uploading documents over raw HTTP: accepted types, refused names and types, limits (contract §4.1).

Every refusal must leave no document row and no file in the server's blob store.
"""

from __future__ import annotations

import io
import os
import re
import struct
import uuid
import wave
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ragloom, start_server, stop_server
from tests.e2e.stores import StoredFiles

TIMEOUT = 30

# Contract §4.1, written out here so that a change in the server's table shows up as a failure.
PDF_EXTENSIONS = ["pdf"]
DOC_EXTENSIONS = (
    "msg eml doc docx ppt pptx yml xml htm json jsonl ldjson csv txt ini xls xlsx wps rtf hlp pages numbers key "
    "md mdx py js java c cpp h php go ts sh cs kt html sql epub"
).split()
AURAL_EXTENSIONS = "wav flac ape alac wavpack wv mp3 aac ogg vorbis opus".split()
VISUAL_EXTENSIONS = (
    "jpg jpeg png tif gif pcx tga exif fpx svg psd cdr pcd dxf ufo eps ai raw wmf webp avif apng icon ico mpg "
    "mpeg avi rm rmvb mov wmv asf dat asx wvx mpe mpa mp4 mkv"
).split()
EXPECTED_TYPE = {
    **dict.fromkeys(PDF_EXTENSIONS, "pdf"),
    **dict.fromkeys(DOC_EXTENSIONS, "doc"),
    **dict.fromkeys(AURAL_EXTENSIONS, "aural"),
    **dict.fromkeys(VISUAL_EXTENSIONS, "visual"),
}


def expected_chunk_method(extension: str, dataset_method: str) -> str:
    kind = EXPECTED_TYPE[extension]
    if kind == "visual":
        return "picture"
    if kind == "aural":
        return "audio"
    if extension in {"ppt", "pptx", "pages"}:
        return "presentation"
    if extension in {"msg", "eml"}:
        return "email"
    return dataset_method


# ---- small real files, built with the standard library ---------------------------------------------


def minimal_pdf() -> bytes:
    content = b"BT /F1 12 Tf 20 100 Td (Hello ragloom) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def minimal_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Hello ragloom</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def minimal_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def minimal_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00\x10\x00" * 200)
    return buffer.getvalue()


REAL_FILES = {
    "pdf": minimal_pdf,
    "docx": minimal_docx,
    "png": minimal_png,
    "wav": minimal_wav,
    "csv": lambda: b"name,score\nalice,3\nbob,5\n",
    "json": lambda: b'{"title": "hello", "items": [1, 2, 3]}',
    "md": lambda: "# Überschrift\n\n* ünïcödé list item\n".encode(),
    "html": lambda: b"<!doctype html><html><body><p>Hello</p></body></html>",
}


# ---- helpers --------------------------------------------------------------------------------------


def create_dataset(api: str, auth: dict[str, str], name: str, **fields: Any) -> str:
    body = requests.post(f"{api}/datasets", headers=auth, json={"name": name, **fields}, timeout=TIMEOUT).json()
    assert body["code"] == 0, body
    return str(body["data"]["id"])


def post_files(api: str, auth: dict[str, str], dataset_id: str, files: Any, **kwargs: Any) -> dict[str, Any]:
    url = f"{api}/datasets/{dataset_id}/documents"
    response = requests.post(url, headers=auth, files=files, timeout=TIMEOUT, **kwargs)
    assert response.status_code == 200
    return dict(response.json())


def documents_of(api: str, auth: dict[str, str], dataset_id: str) -> list[dict[str, Any]]:
    body = requests.get(
        f"{api}/datasets/{dataset_id}/documents", headers=auth, params={"page_size": 100}, timeout=TIMEOUT
    ).json()
    assert body["code"] == 0, body
    return list(body["data"]["docs"])


def document_count(api: str, auth: dict[str, str], dataset_id: str) -> int:
    body = requests.get(f"{api}/datasets", headers=auth, params={"id": dataset_id}, timeout=TIMEOUT).json()
    return int(body["data"][0]["document_count"])


def assert_nothing_stored(
    api: str, auth: dict[str, str], dataset_id: str, files: StoredFiles, before: set[str]
) -> None:
    assert documents_of(api, auth, dataset_id) == []
    assert document_count(api, auth, dataset_id) == 0
    assert files.locations() == before


@pytest.fixture
def dataset(api, auth, unique_name) -> str:
    return create_dataset(api, auth, unique_name)


# ---- accepted types -------------------------------------------------------------------------------


def test_every_accepted_extension_is_stored_byte_for_byte_with_its_type(api, auth, unique_name):
    dataset_id = create_dataset(api, auth, unique_name, chunk_method="laws")
    payloads = {
        f"sample-{extension}.{extension}": (REAL_FILES[extension]() if extension in REAL_FILES else os.urandom(97))
        for extension in EXPECTED_TYPE
    }

    body = post_files(api, auth, dataset_id, [("file", (name, data)) for name, data in payloads.items()])

    assert body["code"] == 0, body
    items = body["data"]
    assert [item["name"] for item in items] == list(payloads)
    problems = []
    for item in items:
        extension = item["name"].rsplit(".", 1)[1]
        if item["type"] != EXPECTED_TYPE[extension]:
            problems.append(f"{item['name']}: type {item['type']!r}, expected {EXPECTED_TYPE[extension]!r}")
        if item["chunk_method"] != expected_chunk_method(extension, "laws"):
            problems.append(f"{item['name']}: chunk_method {item['chunk_method']!r}")
        if item["size"] != len(payloads[item["name"]]):
            problems.append(f"{item['name']}: size {item['size']} != {len(payloads[item['name']])}")
        if item["suffix"] != extension:
            problems.append(f"{item['name']}: suffix {item['suffix']!r}")
        response = requests.get(f"{api}/datasets/{dataset_id}/documents/{item['id']}", headers=auth, timeout=TIMEOUT)
        if response.content != payloads[item["name"]]:
            problems.append(f"{item['name']}: downloaded bytes differ from the upload")
    assert problems == []
    assert document_count(api, auth, dataset_id) == len(EXPECTED_TYPE)
    listed_types = {doc["name"]: doc["type"] for doc in documents_of(api, auth, dataset_id)}
    assert listed_types == {name: EXPECTED_TYPE[name.rsplit(".", 1)[1]] for name in payloads}


def test_real_files_keep_their_content(api, auth, dataset):
    payloads = {f"real.{extension}": build() for extension, build in REAL_FILES.items()}
    assert zipfile.ZipFile(io.BytesIO(payloads["real.docx"])).testzip() is None
    assert payloads["real.pdf"].startswith(b"%PDF-1.4")
    assert payloads["real.pdf"].endswith(b"%%EOF\n")

    body = post_files(api, auth, dataset, [("file", (name, data)) for name, data in payloads.items()])

    assert body["code"] == 0, body
    for item in body["data"]:
        response = requests.get(f"{api}/documents/{item['id']}", headers=auth, timeout=TIMEOUT)
        assert response.content == payloads[item["name"]], item["name"]


def test_extensions_are_case_insensitive(api, auth, dataset):
    names = ["REPORT.PDF", "Photo.JpEg", "Song.MP3", "Notes.TXT", "Deck.PPTX"]

    body = post_files(api, auth, dataset, [("file", (name, b"data")) for name in names])

    assert body["code"] == 0, body
    assert [(item["name"], item["type"]) for item in body["data"]] == [
        ("REPORT.PDF", "pdf"),
        ("Photo.JpEg", "visual"),
        ("Song.MP3", "aural"),
        ("Notes.TXT", "doc"),
        ("Deck.PPTX", "doc"),
    ]
    assert [item["chunk_method"] for item in body["data"]] == ["naive", "picture", "audio", "naive", "presentation"]


def test_zero_byte_file_is_accepted(api, auth, dataset):
    body = post_files(api, auth, dataset, [("file", ("empty.txt", b""))])

    assert body["code"] == 0, body
    (item,) = body["data"]
    assert (item["name"], item["size"], item["type"], item["run"]) == ("empty.txt", 0, "doc", "UNSTART")
    assert [doc["name"] for doc in documents_of(api, auth, dataset)] == ["empty.txt"]
    assert document_count(api, auth, dataset) == 1


def test_name_of_exactly_255_bytes_is_accepted(api, auth, dataset):
    name = "é" * 123 + "abcde.txt"  # 123 * 2 + 9 = 255 bytes
    assert len(name.encode()) == 255

    body = post_files(api, auth, dataset, [("file", (name, b"x"))])

    assert body["code"] == 0, body
    assert body["data"][0]["name"] == name


# ---- refused types and names ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["virus.exe", "archive.zip", "image.heic", "Makefile", "trailing-dot."])
def test_unsupported_type_is_refused_with_500(api, auth, dataset, live_server, name):
    before = live_server.files().locations()

    body = post_files(api, auth, dataset, [("file", (name, b"content"))])

    assert body == {"code": 500, "message": f"{name}: This type of file has not been supported yet!"}
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


def test_mixing_valid_and_unsupported_files_stores_nothing(api, auth, dataset, live_server):
    before = live_server.files().locations()
    files = [
        ("file", ("good.txt", b"good")),
        ("file", ("bad.exe", b"MZ")),
        ("file", ("good.pdf", b"%PDF")),
        ("file", ("README", b"no extension")),
    ]

    body = post_files(api, auth, dataset, files)

    assert body == {
        "code": 500,
        "message": "bad.exe: This type of file has not been supported yet!\n"
        "README: This type of file has not been supported yet!",
    }
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


def test_request_without_a_file_part(api, auth, dataset, live_server):
    before = live_server.files().locations()
    url = f"{api}/datasets/{dataset}/documents"

    wrong_part = requests.post(url, headers=auth, files=[("document", ("a.txt", b"a"))], timeout=TIMEOUT).json()
    form_only = requests.post(url, headers=auth, data={"file": "a.txt"}, timeout=TIMEOUT).json()
    no_body = requests.post(url, headers=auth, timeout=TIMEOUT).json()

    assert wrong_part == {"code": 101, "message": "No file part!"}
    assert form_only == {"code": 101, "message": "No file part!"}
    assert no_body == {"code": 101, "message": "No file part!"}
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


def test_empty_filename_is_refused(api, auth, dataset, live_server):
    before = live_server.files().locations()

    alone = post_files(api, auth, dataset, [("file", ("", b"data"))])
    with_another = post_files(api, auth, dataset, [("file", ("ok.txt", b"ok")), ("file", ("", b"data"))])

    assert alone == {"code": 101, "message": "No file selected!"}
    assert with_another == {"code": 101, "message": "No file selected!"}
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


def test_name_over_255_bytes_is_refused(api, auth, dataset, live_server):
    before = live_server.files().locations()
    name = "é" * 125 + "abc.txt"  # 132 characters, 125 * 2 + 7 = 257 bytes
    assert len(name) < 255 < len(name.encode())

    body = post_files(api, auth, dataset, [("file", ("fine.txt", b"ok")), ("file", (name, b"x"))])

    assert body == {"code": 101, "message": "File name must be 255 bytes or less."}
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


@pytest.mark.parametrize("name", ["../../x.txt", "a/b.txt", "..\\x.txt", "../escape/../x.txt"])
def test_path_like_names_are_refused_and_nothing_is_written(api, auth, dataset, live_server, name):
    before = live_server.files().locations()
    everything_before = {path for path in live_server.data_dir.parent.rglob("*") if path.is_file()}

    body = post_files(api, auth, dataset, [("file", ("fine.txt", b"ok")), ("file", (name, b"payload"))])

    assert body["code"] == 101, body
    assert set(body) == {"code", "message"}
    assert "name" in body["message"].lower(), body["message"]
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)
    everything_after = {path for path in live_server.data_dir.parent.rglob("*") if path.is_file()}
    new_files = {path for path in everything_after - everything_before if path.name != "server.log"}
    assert {path for path in new_files if path.name in {"x.txt", "b.txt"}} == set()


# ---- type=empty / type=bogus ----------------------------------------------------------------------


def test_type_empty_creates_a_virtual_document(api, auth, dataset):
    url = f"{api}/datasets/{dataset}/documents"

    body = requests.post(f"{url}?type=empty", headers=auth, json={"name": "blank.txt"}, timeout=TIMEOUT).json()

    assert set(body) == {"code", "data"}
    assert body["code"] == 0
    item = body["data"]
    assert isinstance(item, dict)
    assert (item["name"], item["type"], item["size"], item["run"]) == ("blank.txt", "virtual", 0, "UNSTART")
    assert item["dataset_id"] == dataset
    assert [(doc["name"], doc["type"]) for doc in documents_of(api, auth, dataset)] == [("blank.txt", "virtual")]
    assert document_count(api, auth, dataset) == 1


def test_type_empty_errors(api, auth, dataset):
    url = f"{api}/datasets/{dataset}/documents"
    first = requests.post(f"{url}?type=EMPTY", headers=auth, json={"name": "blank.txt"}, timeout=TIMEOUT).json()
    assert first["code"] == 0, first

    duplicate = requests.post(f"{url}?type=empty", headers=auth, json={"name": "blank.txt"}, timeout=TIMEOUT).json()
    nameless = requests.post(f"{url}?type=empty", headers=auth, json={}, timeout=TIMEOUT).json()

    assert duplicate == {"code": 102, "message": "Duplicated document name in the same dataset."}
    assert nameless == {"code": 101, "message": "File name can't be empty."}
    assert [doc["name"] for doc in documents_of(api, auth, dataset)] == ["blank.txt"]


def test_unknown_upload_type_is_refused(api, auth, dataset, live_server):
    before = live_server.files().locations()

    body = post_files(api, auth, dataset, [("file", ("a.txt", b"a"))], params={"type": "bogus"})

    assert body == {"code": 101, "message": '`type` must be one of "local", "web", or "empty".'}
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


# ---- whose dataset --------------------------------------------------------------------------------


def test_upload_to_an_unknown_dataset(api, auth, live_server):
    before = live_server.files().locations()
    missing = uuid.uuid1().hex

    body = post_files(api, auth, missing, [("file", ("a.txt", b"a"))])

    assert body == {"code": 102, "message": f"Can't find the dataset with ID {missing}!"}
    assert live_server.files().locations() == before


def test_upload_to_another_tenants_dataset(api, auth, other_auth, dataset, live_server):
    before = live_server.files().locations()

    body = post_files(api, other_auth, dataset, [("file", ("intruder.txt", b"a"))])

    assert body == {"code": 109, "message": "No authorization."}
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


# ---- limits (a second server with small limits) ---------------------------------------------------

MAX_FILE_SIZE = 1000
MAX_REQUEST_SIZE = 2500
MAX_FILES = 3


@dataclass(frozen=True)
class LimitedServer:
    api: str
    auth: dict[str, str]
    files: StoredFiles


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[LimitedServer]:
    data_dir = tmp_path_factory.mktemp("limited") / "data"
    env = {
        **server_env,
        "RAGLOOM_UPLOAD__MAX_FILE_SIZE": str(MAX_FILE_SIZE),
        "RAGLOOM_UPLOAD__MAX_REQUEST_SIZE": str(MAX_REQUEST_SIZE),
        "RAGLOOM_UPLOAD__MAX_FILES": str(MAX_FILES),
    }
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    process, base_url = start_server(data_dir, env, data_dir.parent / "server.log")
    try:
        yield LimitedServer(f"{base_url}/api/v1", {"Authorization": f"Bearer {key}"}, StoredFiles(data_dir, env))
    finally:
        stop_server(process)


@pytest.fixture
def limited_dataset(limited: LimitedServer, unique_name: str) -> str:
    return create_dataset(limited.api, limited.auth, unique_name)


def test_file_at_the_size_limit_is_accepted(limited, limited_dataset):
    data = os.urandom(MAX_FILE_SIZE)

    body = post_files(limited.api, limited.auth, limited_dataset, [("file", ("exact.bin.txt", data))])

    assert body["code"] == 0, body
    download = requests.get(
        f"{limited.api}/datasets/{limited_dataset}/documents/{body['data'][0]['id']}",
        headers=limited.auth,
        timeout=TIMEOUT,
    )
    assert download.content == data


def test_oversized_file_is_refused(limited, limited_dataset):
    before = limited.files.locations()
    files = [("file", ("small.txt", b"ok")), ("file", ("big.txt", b"x" * (MAX_FILE_SIZE + 1)))]

    body = post_files(limited.api, limited.auth, limited_dataset, files)

    assert body["code"] == 101, body
    assert set(body) == {"code", "message"}
    assert "big.txt" in body["message"]
    assert str(MAX_FILE_SIZE) in body["message"]
    assert_nothing_stored(limited.api, limited.auth, limited_dataset, limited.files, before)


def test_oversized_request_is_refused(limited, limited_dataset):
    before = limited.files.locations()
    files = [("file", (f"part{i}.txt", b"y" * (MAX_FILE_SIZE - 100))) for i in range(MAX_FILES)]

    body = post_files(limited.api, limited.auth, limited_dataset, files)

    assert body["code"] == 101, body
    assert str(MAX_REQUEST_SIZE) in body["message"]
    assert_nothing_stored(limited.api, limited.auth, limited_dataset, limited.files, before)


def test_oversized_request_without_content_length_is_refused(limited, limited_dataset):
    before = limited.files.locations()
    boundary = uuid.uuid4().hex
    part = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="streamed.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + b"z" * (MAX_FILE_SIZE - 100)
        + b"\r\n"
    )
    payload = part * MAX_FILES + f"--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:  # a generator body is sent chunked, without Content-Length
        for start in range(0, len(payload), 256):
            yield payload[start : start + 256]

    response = requests.post(
        f"{limited.api}/datasets/{limited_dataset}/documents",
        headers={**limited.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        data=chunks(),
        timeout=TIMEOUT,
    )

    body = response.json()
    assert body["code"] == 101, body
    assert str(MAX_REQUEST_SIZE) in body["message"]
    assert_nothing_stored(limited.api, limited.auth, limited_dataset, limited.files, before)


def test_too_many_files_are_refused(limited, limited_dataset):
    before = limited.files.locations()
    files = [("file", (f"f{i}.txt", b"x")) for i in range(MAX_FILES + 1)]

    body = post_files(limited.api, limited.auth, limited_dataset, files)

    assert body["code"] == 101, body
    assert "files" in body["message"].lower()
    assert re.search(rf"\b{MAX_FILES}\b", body["message"]), body["message"]
    assert_nothing_stored(limited.api, limited.auth, limited_dataset, limited.files, before)


def test_as_many_files_as_allowed_are_accepted(limited, limited_dataset):
    files = [("file", (f"f{i}.txt", b"x")) for i in range(MAX_FILES)]

    body = post_files(limited.api, limited.auth, limited_dataset, files)

    assert body["code"] == 0, body
    assert [item["name"] for item in body["data"]] == ["f0.txt", "f1.txt", "f2.txt"]
