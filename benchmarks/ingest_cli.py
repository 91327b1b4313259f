"""``ragloom ingest`` against the ingestion benchmark's pipeline, on the same files, in one run.

The corpus is ``benchmarks/ingestion.py``'s 1,000 short text documents (one chunk each),
written to a folder. Each round runs, alternately: the benchmark's path (a fresh process
running the ingestion pipeline over the documents, uploaded before its clock starts, model
loaded: :func:`ingestion.measure`) and ``ragloom ingest FOLDER --dataset D --parse`` on a
new data directory with no server (its own workers), whose final line
``Ingested N files (M chunks) in S s: X files/s, Y chunks/s`` is read. It prints both chunks/s
and their ratio per round and the median ratio; the target is a ratio of 0.8 or more.

Usage: ``python benchmarks/ingest_cli.py [--documents 1000] [--models use] [--rounds 2] [--workers 1]
[--keep-folder DIR] [--compare CHECKOUT]`` (``--keep-folder`` writes the corpus there and leaves it,
for running ``ragloom ingest`` on it by hand; ``--compare`` also runs, in each round right after
this checkout's, ``ragloom ingest`` of another checkout of ragloom — e.g. the main branch — against
the same pipeline figure: an A/B on a machine whose load moves).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingestion import MODELS, corpus, measure

TARGET_RATIO = 0.8
THROUGHPUT = re.compile(r"Ingested (\d+) files \((\d+) chunks\) in ([\d.]+) s: ([\d.]+) files/s, ([\d.]+) chunks/s")


def write_corpus(folder: Path, files: list[tuple[str, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (folder / name).write_bytes(data)


def cli_chunks_per_second(folder: Path, model_id: str, workers: int, checkout: Path | None = None) -> tuple[float, str]:
    """Run ``ragloom ingest`` (of ``checkout``, default this one) on ``folder`` into a new data
    directory; its chunks/s and the line."""
    env = {**os.environ, "COLUMNS": "200"}
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve())
    with tempfile.TemporaryDirectory() as data_dir:
        command = [
            sys.executable,
            "-m",
            "ragloom",
            "ingest",
            str(folder),
            "--dataset",
            "bench",
            "--parse",
            "--data-dir",
            data_dir,
            "--embedding-model",
            model_id,
            "--workers",
            str(workers),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd=checkout or Path.cwd())
    found = THROUGHPUT.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"ragloom ingest failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return float(found.group(5)), found.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--models", default="use", help="comma-separated: e5, use")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="workers of ragloom ingest")
    parser.add_argument("--keep-folder", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None, help="another checkout of ragloom to run too")
    options = parser.parse_args()
    files = corpus(options.documents)
    with tempfile.TemporaryDirectory() as scratch:
        folder = options.keep_folder or Path(scratch) / "corpus"
        write_corpus(folder, files)
        print(f"corpus: {len(files)} text documents in {folder}; ragloom ingest with --workers {options.workers}")
        for key in options.models.split(","):
            model_id = MODELS[key.strip()]
            ratios: list[float] = []
            compared: list[float] = []
            for round_number in range(options.rounds):
                bench = measure(model_id, files)
                bench_rate = bench["chunks"] / bench["wall"]
                cli_rate, line = cli_chunks_per_second(folder, model_id, options.workers)
                ratios.append(cli_rate / bench_rate)
                print(
                    f"{key} round {round_number + 1}: benchmark pipeline {bench_rate:.1f} chunks/s, "
                    f"ragloom ingest {cli_rate:.1f} chunks/s, ratio {ratios[-1]:.2f}   ({line})",
                    flush=True,
                )
                if options.compare is not None:
                    other_rate, _line = cli_chunks_per_second(folder, model_id, options.workers, options.compare)
                    compared.append(other_rate / bench_rate)
                    print(
                        f"{key} round {round_number + 1}: ragloom ingest of {options.compare} {other_rate:.1f} "
                        f"chunks/s, ratio {compared[-1]:.2f}",
                        flush=True,
                    )
            median = statistics.median(ratios)
            verdict = "met" if median >= TARGET_RATIO else "not met"
            print(f"{key}: median ratio {median:.2f} (target >= {TARGET_RATIO}: {verdict})")
            if compared:
                print(f"{key}: median ratio of {options.compare} {statistics.median(compared):.2f}")


if __name__ == "__main__":
    main()
