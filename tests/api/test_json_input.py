"""Decoding a client's JSON: nesting, sizes, numbers and strings held to the limits."""

from __future__ import annotations

import json

import pytest

from ragloom.api.json_input import decode_json
from ragloom.errors import ArgumentError
from ragloom.integers import INT64_MAX, INT64_MIN
from ragloom.settings import LimitSettings

LIMITS = LimitSettings(max_json_depth=8, max_json_items=100, max_json_total_items=1000)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def refused(raw: bytes | str, limits: LimitSettings = LIMITS) -> str:
    with pytest.raises(ArgumentError) as caught:
        decode_json(raw, limits)
    assert caught.value.code == 101
    return caught.value.message


def test_ordinary_json_decodes_as_json_loads_does() -> None:
    value = {"name": "kb", "ids": ["a", "b"], "n": 3, "x": -1.5, "ok": True, "none": None, "text": "大熊猫 😀"}
    assert decode_json(json.dumps(value).encode(), LIMITS) == value
    assert decode_json(json.dumps(value, ensure_ascii=False).encode("utf-16"), LIMITS) == value
    assert decode_json(json.dumps(value), LIMITS) == value


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_refused() -> None:
    assert decode_json(nested(8), LIMITS) == [[[[[[[[]]]]]]]]
    assert decode_json('{"a":' * 7 + "[]" + "}" * 7, LIMITS) is not None
    assert refused(nested(9)) == "JSON is nested deeper than the limit of 8 levels."
    assert refused('{"a":' * 8 + "[]" + "}" * 8) == "JSON is nested deeper than the limit of 8 levels."


def test_very_deep_json_is_refused_before_it_is_parsed() -> None:
    # 100,000 levels ends in RecursionError in json.loads itself
    assert refused(nested(100_000), LimitSettings()) == "JSON is nested deeper than the limit of 64 levels."


def test_brackets_and_commas_inside_strings_are_text() -> None:
    text = '[[[[[[[[[[ ,,,,,, \\" {{{{ \\\\'
    assert decode_json(json.dumps({"content": text * 50}), LIMITS) == {"content": text * 50}


def test_items_of_one_array_or_object_up_to_the_limit() -> None:
    assert len(decode_json(json.dumps(list(range(100))), LIMITS)) == 100
    assert len(decode_json(json.dumps({str(n): n for n in range(100)}), LIMITS)) == 100
    message = "A JSON array or object has more than the limit of 100 items."
    assert refused(json.dumps(list(range(101)))) == message
    assert refused(json.dumps({"outer": [[1], {str(n): n for n in range(101)}]})) == message


def test_items_in_all_are_limited_too() -> None:
    # ten arrays of 99 items each: every array is within its limit, the body is not
    assert decode_json(json.dumps([list(range(90))] * 10), LIMITS) is not None
    assert refused(json.dumps([list(range(99))] * 11)) == "The JSON value has more than the limit of 1000 items in all."


def test_integers_must_fit_in_64_bits() -> None:
    assert decode_json(f"[{INT64_MAX}, {INT64_MIN}]", LIMITS) == [INT64_MAX, INT64_MIN]
    message = f"Integers must lie between {INT64_MIN} and {INT64_MAX}."
    assert refused(f'{{"top_k": {INT64_MAX + 1}}}') == message
    assert refused(f'{{"page": {INT64_MIN - 1}}}') == message
    assert refused('{"page": ' + "9" * 5000 + "}") == message  # beyond int()'s 4,300 digits too


def test_numbers_must_be_finite() -> None:
    assert decode_json('{"x": 1e308}', LIMITS) == {"x": 1e308}
    assert refused('{"x": 1e999}') == "Numbers must be finite."
    for constant in ("NaN", "Infinity", "-Infinity"):
        assert refused(f'{{"x": {constant}}}') == f"Numbers must be finite: {constant} is not accepted."


def test_unpaired_surrogates_are_refused_and_pairs_kept() -> None:
    message = "Strings must not contain unpaired surrogates (\\ud800 to \\udfff)."
    assert refused('{"name": "\\ud800"}') == message
    assert refused('{"a": ["ok", {"\\udfff": 1}]}') == message
    assert decode_json('{"name": "\\ud83d\\ude00"}', LIMITS) == {"name": "😀"}
    assert decode_json('{"code": "\\\\ud800"}', LIMITS) == {"code": "\\ud800"}  # the text, not a character


def test_nul_is_refused_in_strings_and_keys() -> None:
    message = "Strings must not contain the NUL character (\\u0000)."
    assert refused('{"name": "a\\u0000b"}') == message
    assert refused('{"a": [{"\\u0000": 1}]}') == message
    assert decode_json('{"code": "\\\\u0000"}', LIMITS) == {"code": "\\u0000"}  # the text, not a character


@pytest.mark.parametrize("raw", [b"{", b"", b'{"a": 1,}', "[1] [2]"])
def test_what_is_not_json_raises_json_decode_error(raw: bytes | str) -> None:
    with pytest.raises(json.JSONDecodeError):
        decode_json(raw, LIMITS)


def test_bytes_that_are_not_text_raise_unicode_decode_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode_json(b'{"a": "\xed\xa0\x80"}', LIMITS)  # a surrogate encoded in UTF-8 is not UTF-8
