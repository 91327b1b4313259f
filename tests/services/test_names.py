"""Numbered de-duplication of names."""

import pytest

from ragloom.services.names import first_free_name, numbered, split_extension


@pytest.mark.parametrize(
    ("name", "expected"),
    [("kb", "kb(1)"), ("kb(1)", "kb(2)"), ("a.b", "a(1).b"), ("a(9).txt", "a(10).txt"), (".env", ".env(1)")],
)
def test_numbered(name: str, expected: str) -> None:
    assert numbered(name) == expected


def test_split_extension() -> None:
    assert split_extension("report.final.pdf") == ("report.final", ".pdf")
    assert split_extension("README") == ("README", "")


def test_first_free_name_skips_taken_names() -> None:
    taken = {"a.txt", "a(1).txt", "a(2).txt"}
    assert first_free_name("a.txt", taken.__contains__) == "a(3).txt"
    assert first_free_name("b.txt", taken.__contains__) == "b.txt"
