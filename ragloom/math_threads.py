"""How many threads numpy's BLAS and OpenMP (faiss) may start inside ragloom's own processes: one.

A server answers many questions at once, each on its own thread, and a vector search is one matrix
product over memory-bound data. Left to their defaults, OpenBLAS and OpenMP start a team of threads
per product, one per core, that spin while they wait: with 16 concurrent searches on 2 cores, a
100,000-vector product cost 65 ms of CPU instead of 6 and took 37 ms instead of 3.5 (one request
thread each, OpenBLAS as numpy's wheels bundle it). Questions running side by side already use
every core, so each product gets one thread.

The libraries read these variables once, when they load, so :func:`one_math_thread` runs before
numpy is first imported (``ragloom``'s entry point); a variable already set is kept. The built-in
models run in processes of their own (:mod:`ragloom.providers.isolated`), which get their configured
thread count instead (:func:`model_environment`).
"""

from __future__ import annotations

import os

MATH_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_math_thread() -> None:
    """Default each BLAS/OpenMP thread-count variable of this process (and its children) to 1."""
    for name in MATH_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def model_environment(threads: int) -> dict[str, str]:
    """This process's environment with each BLAS/OpenMP thread count set to a model's ``threads``."""
    return {**os.environ, **dict.fromkeys(MATH_THREAD_VARIABLES, str(max(1, threads)))}
