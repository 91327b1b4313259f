"""The envelope shapes clients can tell apart by their keys (contract §1.3)."""

import json
import math

from ragloom.api.envelopes import Envelope, dumps, error_body, success_body


def test_success_shapes() -> None:
    assert success_body(Envelope.R) == {"code": 0}
    assert success_body(Envelope.R, []) == {"code": 0, "data": []}
    assert success_body(Envelope.J) == {"code": 0, "message": "success", "data": None}
    assert success_body(Envelope.M, 1) == {"code": 0, "message": True, "data": 1}


def test_error_shapes() -> None:
    assert error_body(Envelope.R, 102, "no") == {"code": 102, "message": "no"}
    assert error_body(Envelope.R, 102, "no", data={"x": 1}) == {"code": 102, "message": "no", "data": {"x": 1}}
    assert error_body(Envelope.R, 102, "") == {"code": 102, "message": "Error"}
    assert error_body(Envelope.D, 102, "no") == {"code": 102, "message": "no"}
    assert error_body(Envelope.J, 102, "no") == {"code": 102, "message": "no", "data": None}
    assert error_body(Envelope.C, 102, "no", data={"e": 1}) == {"code": 102, "message": "no", "data": {"e": 1}}


def test_chat_routes_mix_j_and_d() -> None:
    assert success_body(Envelope.JD, {"a": 1}) == {"code": 0, "message": "success", "data": {"a": 1}}
    assert error_body(Envelope.JD, 102, "no") == {"code": 102, "message": "no"}
    assert error_body(Envelope.JD, 109, "No authorization.", data=False) == {
        "code": 109,
        "message": "No authorization.",
        "data": False,
    }
    assert error_body(Envelope.JD, 100, "ValueError()") == {"code": 100, "message": "ValueError()", "data": None}


def test_json_is_raw_utf8_and_non_finite_floats_become_null() -> None:
    body = dumps({"name": "知识库", "score": math.nan, "nested": [math.inf, 1.5]})
    assert "知识库".encode() in body
    assert json.loads(body) == {"name": "知识库", "score": None, "nested": [None, 1.5]}
