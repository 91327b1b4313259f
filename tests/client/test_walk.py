"""The walk: hidden files, .ragloomignore, --include/--exclude globs, skipped files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragloom.client.walk import FileFilter, glob_matches, walk

PARSEABLE = {"txt", "md", "pdf"}


def accepts(name: str) -> bool:
    return name.rpartition(".")[2] in PARSEABLE


def tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("pattern", "relative", "expected"),
    [
        ("*.md", "docs/guide/intro.md", True),
        ("*.md", "docs/guide/intro.txt", False),
        ("docs/*.md", "docs/intro.md", True),
        ("**/*.md", "docs/a/b/intro.md", True),
        ("**/intro.md", "intro.md", True),
        ("docs/**/intro.md", "docs/intro.md", True),
        ("guide/*.md", "docs/guide/intro.md", False),
    ],
)
def test_globs_match_a_name_or_a_whole_path(pattern: str, relative: str, expected: bool) -> None:
    assert glob_matches(pattern, relative) is expected


def test_hidden_ignored_unsupported_and_empty_files(tmp_path: Path) -> None:
    root = tree(
        tmp_path / "docs",
        {
            "a.txt": "a",
            "sub/b.md": "b",
            ".secret.txt": "hidden",
            ".git/config.txt": "hidden folder",
            "build/out.txt": "ignored folder",
            "sub/notes.tmp.txt": "ignored by a nested rule",
            "photo.bmp": "unsupported",
            "Makefile": "no extension",
            "empty.txt": "",
            ".ragloomignore": "# comment\nbuild/\n",
            "sub/.ragloomignore": "*.tmp.txt\n",
        },
    )
    found = walk([root], FileFilter(accepts))
    assert [file.relative for file in found.files] == ["docs/a.txt", "docs/sub/b.md"]
    assert found.files[0].path == (root / "a.txt").resolve()
    assert found.files[1].size == 1
    assert {(item.relative, item.reason) for item in found.skipped} == {
        ("docs/photo.bmp", "unsupported file type .bmp"),
        ("docs/Makefile", "unsupported file type (no extension)"),
        ("docs/empty.txt", "empty file"),
    }


def test_a_folder_glob_in_an_ignore_file_leaves_files_of_that_name(tmp_path: Path) -> None:
    root = tree(tmp_path / "docs", {"build/x.txt": "x", "build.txt": "kept", ".ragloomignore": "build/\n"})
    assert [file.relative for file in walk([root], FileFilter(accepts)).files] == ["docs/build.txt"]


def test_include_and_exclude_globs(tmp_path: Path) -> None:
    root = tree(tmp_path / "docs", {"a.txt": "a", "b.md": "b", "drafts/c.md": "c", "x.bmp": "x"})
    only_markdown = walk([root], FileFilter(accepts, include=("*.md",), exclude=("drafts/*",)))
    assert [file.relative for file in only_markdown.files] == ["docs/b.md"]
    assert only_markdown.skipped == []  # x.bmp was not asked for, so it is not reported


def test_a_file_given_by_name_is_taken_under_its_own_name(tmp_path: Path) -> None:
    root = tree(tmp_path / "docs", {"deep/one.txt": "1", "two.md": "2"})
    found = walk([root / "deep" / "one.txt", root / "two.md"], FileFilter(accepts))
    assert [file.relative for file in found.files] == ["one.txt", "two.md"]
