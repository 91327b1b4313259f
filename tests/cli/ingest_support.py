"""For the ``ragloom ingest`` tests: a folder of mixed small files, each with content of its own,
running the command (and killing it part-way), and checking what it left."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.samples import finding_text, make_docx, make_pdf

TEXT_FORMATS = ("txt", "md", "html", "csv", "json")


def _text_file(number: int, extension: str) -> str:
    paragraph = finding_text(number)
    if extension == "md":
        return f"# Note {number}\n\n{paragraph}\n\n## Details\n\n{finding_text(number + 1000)}\n"
    if extension == "html":
        return f"<html><body><h1>Note {number}</h1><p>{paragraph}</p></body></html>"
    if extension == "csv":
        return f'id,topic,finding\n{number},note {number},"{paragraph}"\n'
    if extension == "json":
        return json.dumps({"id": number, "title": f"Note {number}", "finding": paragraph})
    return f"Note {number}\n\n{paragraph}\n"


def write_corpus(root: Path, count: int, *, binaries: int = 2) -> list[str]:
    """``count`` files under ``root`` (in a few sub-folders): text formats in turn, and ``binaries``
    DOCX and ``binaries`` PDF among them. Returns their paths relative to ``root``'s parent, as
    ``ragloom ingest`` names them."""
    written = []
    for number in range(count):
        folder = root / f"part-{number % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        if number < binaries:
            path = folder / f"policy-{number:03d}.docx"
            path.write_bytes(make_docx(title=f"Travel Policy {number}"))
        elif number < 2 * binaries:
            path = folder / f"report-{number:03d}.pdf"
            path.write_bytes(make_pdf(pages=1, title=f"Report {number}"))
        else:
            extension = TEXT_FORMATS[number % len(TEXT_FORMATS)]
            path = folder / f"note-{number:03d}.{extension}"
            path.write_text(_text_file(number, extension), encoding="utf-8")
        written.append(path.relative_to(root.parent).as_posix())
    return written


def write_leftovers(root: Path) -> None:
    """Files a walk must leave out or skip: hidden, ignored, unsupported, empty."""
    (root / ".hidden.txt").write_text("secret", encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "config.txt").write_text("git", encoding="utf-8")
    (root / "build").mkdir(exist_ok=True)
    (root / "build" / "out.txt").write_text("built", encoding="utf-8")
    (root / ".ragloomignore").write_text("# generated\nbuild/\n*.tmp\n", encoding="utf-8")
    (root / "scratch.tmp").write_text("tmp", encoding="utf-8")
    (root / "archive.xyz").write_bytes(b"\x00\x01")
    (root / "empty.txt").write_bytes(b"")


USE_MODEL = "universal-sentence-encoder-multilingual@Builtin"
RUN_TIMEOUT_SECONDS = 240


def cli_env() -> dict[str, str]:
    """The environment without ragloom settings of the machine running the tests."""
    return {key: value for key, value in os.environ.items() if not key.startswith("RAGLOOM_")}


def kill_after_uploads(arguments: list[str], env: dict[str, str], uploaded: int) -> list[str]:
    """Start ``ragloom *arguments``, SIGKILL it once its output says ``uploaded`` files went up;
    its output lines until then."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ragloom", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    seen = 0
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        seen += line.startswith("[upload ") and line.rstrip().endswith(": uploaded")
        if seen >= uploaded:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL, "\n".join(lines)
    return lines


def run_to_the_end(arguments: list[str], env: dict[str, str]) -> str:
    """Run ``ragloom *arguments`` to its end, expecting success and no traceback; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "ragloom", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    return output


def assert_ingested_once_and_parsed(documents: list[dict[str, Any]], relatives: list[str]) -> None:
    """Every file is exactly one document (no duplicate name, hash or path), DONE with chunks."""
    assert len(documents) == len(relatives)
    assert len({document["name"] for document in documents}) == len(relatives)
    assert len({document["meta_fields"]["ingest_sha256"] for document in documents}) == len(relatives)
    assert sorted(document["meta_fields"]["ingest_path"] for document in documents) == sorted(relatives)
    not_done = [(document["name"], document["run"]) for document in documents if document["run"] != "DONE"]
    assert not_done == []
    assert all(document["chunk_count"] > 0 for document in documents)


def throughput(output: str) -> tuple[int, int]:
    """Files and chunks of the ``Ingested N files (M chunks) ...`` line."""
    match = re.search(
        r"^Ingested (\d+) files \((\d+) chunks\) in [\d.]+ s: [\d.]+ files/s, [\d.]+ chunks/s$", output, re.M
    )
    assert match is not None, output
    return int(match[1]), int(match[2])
