"""What the error hierarchy offers besides its families."""

from __future__ import annotations

from ragloom.errors import ArgumentError, RetCode
from ragloom.providers.address_guard import AddressNotAllowedError


def test_a_prefixed_refusal_keeps_its_family_code_status_and_data() -> None:
    error = ArgumentError("`top_k` must be greater than 0", data={"key": "top_k"}, code=RetCode.DATA_ERROR)
    prefixed = error.prefixed("Run 'a': ")
    assert isinstance(prefixed, ArgumentError)
    assert (prefixed.message, str(prefixed)) == ("Run 'a': `top_k` must be greater than 0",) * 2
    assert (prefixed.code, prefixed.http_status, prefixed.data) == (RetCode.DATA_ERROR, 200, {"key": "top_k"})
    assert error.message == "`top_k` must be greater than 0"  # the original is unchanged


def test_a_refusal_whose_class_takes_other_arguments_is_prefixed_too() -> None:
    error = AddressNotAllowedError("10.0.0.1")
    prefixed = error.prefixed("Run 'b': ")
    assert isinstance(prefixed, AddressNotAllowedError)
    assert prefixed.message == f"Run 'b': {error.message}"
