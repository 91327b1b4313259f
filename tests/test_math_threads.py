"""ragloom's processes compute with one BLAS/OpenMP thread; its model processes with their own count."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ragloom.math_threads import MATH_THREAD_VARIABLES
from ragloom.providers.embedding.builtin import BUILTIN_USE
from ragloom.providers.isolated import IsolatedEmbedding

BLAS_THREADS = (
    "import sys; sys.argv = ['ragloom', '--help']\n"
    "from ragloom.__main__ import run\n"
    "try:\n"
    "    run()\n"
    "except SystemExit:\n"
    "    pass\n"
    "import numpy, threadpoolctl\n"
    "print(max(info['num_threads'] for info in threadpoolctl.threadpool_info() if info['user_api'] == 'blas'))\n"
)


def blas_threads_after_the_entry_point(**variables: str) -> int:
    env = {key: value for key, value in os.environ.items() if key not in MATH_THREAD_VARIABLES}
    env.update(variables)
    done = subprocess.run(
        [sys.executable, "-c", BLAS_THREADS], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return int(done.stdout.strip().splitlines()[-1])


def test_the_ragloom_entry_point_leaves_numpy_one_blas_thread_unless_told_otherwise() -> None:
    assert blas_threads_after_the_entry_point() == 1
    assert blas_threads_after_the_entry_point(OPENBLAS_NUM_THREADS="2") == 2  # an operator's choice is kept


@pytest.mark.slow
def test_a_model_process_gets_its_configured_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in MATH_THREAD_VARIABLES:
        monkeypatch.setenv(name, "1")  # as the entry point leaves them
    model = IsolatedEmbedding(BUILTIN_USE, 512, threads=3, stall_seconds=60)
    try:
        model.embed_query("Where do pandas live?")
        assert model.process.pid is not None
        environ = Path(f"/proc/{model.process.pid}/environ").read_bytes().split(b"\0")
        assert {name.encode() + b"=3" for name in MATH_THREAD_VARIABLES} <= set(environ)
    finally:
        model.close()
