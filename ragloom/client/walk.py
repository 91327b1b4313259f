"""Finding the files to ingest: folders walked, globs applied, ignore files honoured.

Rules, in order, for each file under a folder given on the command line:

1. Hidden files and folders (a name starting with ``.``) are left out, silently.
2. A ``.ragloomignore`` file in any walked folder lists globs, one a line (``#`` starts a
   comment), matched against paths relative to that folder; a glob ending in ``/`` matches
   folders only. What matches is left out, silently, as with ``--exclude``.
3. ``--exclude`` globs leave out what they match; ``--include`` globs, when any are given,
   keep only what one of them matches.
4. A file of a type that cannot be ingested, or an empty one, is *skipped*: the summary lists it.

A glob without ``/`` matches a file's name; one with ``/`` matches its path relative to the
folder named on the command line (with or without that folder's own name in front), ``**``
standing for any number of folders. A file named on the command line is taken as it is
(its name still has to pass the ``--include``/``--exclude`` globs and the type check).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

IGNORE_FILE = ".ragloomignore"


@dataclass(frozen=True)
class FoundFile:
    """A file to ingest. ``relative`` is its path from the folder named on the command line,
    that folder's own name first (``docs/guide/intro.md``), or its bare name."""

    path: Path
    relative: str
    size: int

    @property
    def name(self) -> str:
        return PurePosixPath(self.relative).name


@dataclass(frozen=True)
class SkippedFile:
    """A file found but not ingested, and why."""

    relative: str
    reason: str


@dataclass
class Walk:
    """What a walk found."""

    files: list[FoundFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def glob_matches(pattern: str, relative: str) -> bool:
    """Whether ``pattern`` (see the module docstring) matches the POSIX path ``relative``."""
    pattern = pattern.strip().lstrip("/")
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(relative).name, pattern)
    if fnmatch.fnmatchcase(relative, pattern):
        return True
    # "**/x" also matches "x" at the top; "a/**/b" also matches "a/b"
    return fnmatch.fnmatchcase(relative, pattern.replace("**/", "")) if "**/" in pattern else False


@dataclass(frozen=True)
class _IgnoreRules:
    """The globs of one ``.ragloomignore``, relative to its folder."""

    folder: Path
    files: tuple[str, ...]
    folders: tuple[str, ...]

    @classmethod
    def read(cls, folder: Path) -> _IgnoreRules | None:
        source = folder / IGNORE_FILE
        if not source.is_file():
            return None
        lines = [line.strip() for line in source.read_text(encoding="utf-8", errors="replace").splitlines()]
        globs = [line for line in lines if line and not line.startswith("#")]
        return cls(
            folder,
            tuple(glob for glob in globs if not glob.endswith("/")),
            tuple(glob.rstrip("/") for glob in globs),
        )

    def ignores(self, path: Path, *, is_folder: bool) -> bool:
        relative = path.relative_to(self.folder).as_posix()
        return any(glob_matches(glob, relative) for glob in (self.folders if is_folder else self.files))


@dataclass(frozen=True)
class FileFilter:
    """The command line's ``--include``/``--exclude`` globs and the test of a file's type.

    ``accepts_name`` says whether a file name's type can be ingested."""

    accepts_name: Callable[[str], bool]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def wanted(self, *relatives: str) -> bool:
        """Whether a file is wanted, given its relative path (or paths: from the folder named on
        the command line, with and without that folder's name)."""
        if any(glob_matches(glob, relative) for glob in self.exclude for relative in relatives):
            return False
        return not self.include or any(glob_matches(glob, relative) for glob in self.include for relative in relatives)


def walk(paths: Sequence[Path], file_filter: FileFilter) -> Walk:
    """The files under ``paths`` to ingest, in a stable order; see the module docstring."""
    found = Walk()
    for given in paths:
        if given.is_dir():
            candidates: Iterable[tuple[Path, str, str]] = _folder_files(given.resolve())
        else:
            candidates = [(given, given.name, given.name)]
        for path, relative, inner in candidates:
            if file_filter.wanted(relative, inner):
                _take(path, relative, file_filter, found)
    return found


def _take(path: Path, relative: str, file_filter: FileFilter, found: Walk) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        found.skipped.append(SkippedFile(relative, f"cannot be read: {error.strerror or error}"))
        return
    if not file_filter.accepts_name(path.name):
        suffix = path.suffix.lower() or "(no extension)"
        found.skipped.append(SkippedFile(relative, f"unsupported file type {suffix}"))
    elif size == 0:
        found.skipped.append(SkippedFile(relative, "empty file"))
    else:
        found.files.append(FoundFile(path, relative, size))


def _folder_files(root: Path) -> Iterable[tuple[Path, str, str]]:
    """Every file under ``root`` that hidden names and ignore files leave in, with its path
    relative to ``root``'s parent and to ``root``."""
    rules_by_folder: dict[Path, list[_IgnoreRules]] = {}
    for folder_name, folder_names, file_names in os.walk(root):
        folder = Path(folder_name)
        inherited = rules_by_folder.get(folder.parent, []) if folder != root else []
        own = _IgnoreRules.read(folder)
        rules = [*inherited, own] if own is not None else inherited
        rules_by_folder[folder] = rules
        folder_names[:] = sorted(
            name
            for name in folder_names
            if not name.startswith(".") and not any(rule.ignores(folder / name, is_folder=True) for rule in rules)
        )
        for name in sorted(file_names):
            path = folder / name
            if name.startswith(".") or any(rule.ignores(path, is_folder=False) for rule in rules):
                continue
            inner = path.relative_to(root).as_posix()
            yield path, (PurePosixPath(root.name) / inner).as_posix(), inner
