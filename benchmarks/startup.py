"""Cold-start time and idle memory of ``ragloom serve``, against baselines in the same run.

Start-up is the time from spawning the process to its first ``GET /api/v1/system/ping``
answer. It is measured on a fresh data directory (schema migration included) and again
on an existing one. Idle RSS is read from ``/proc/<pid>/status`` after the server has
answered and sat idle. The baselines are a bare uvicorn app (the server floor), a FastAPI and
SQLAlchemy app of ragloom's size doing nothing else (the floor of its frameworks: as many routes,
pydantic models and tables, built the way FastAPI documents: routes declared on an APIRouter that the
application includes under a prefix) and a bare Python interpreter.

Usage: ``python benchmarks/startup.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.request import urlopen

BARE_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"pong"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

# The framework floor: FastAPI routes with a path parameter, a body and a response model each,
# pydantic models and SQLAlchemy declarative tables in ragloom's numbers (148 routes, ~190 of its own
# models of ~6 fields, 37 tables of ~6 columns), the SQLite engine connected, and one ping route.
FRAMEWORK_APP = """
import sys, uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field, create_model
from sqlalchemy import BigInteger, String, Text, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROUTES, MODELS, TABLES = 148, 190, 37

class Base(DeclarativeBase):
    pass

for number in range(TABLES):
    type(f"Table{number}", (Base,), {
        "__tablename__": f"table_{number}",
        "__annotations__": {"id": Mapped[str], "name": Mapped[str], "body": Mapped[str | None],
                            "owner": Mapped[str], "create_time": Mapped[int], "update_time": Mapped[int]},
        "id": mapped_column(String(32), primary_key=True), "name": mapped_column(String(128)),
        "body": mapped_column(Text, default=None), "owner": mapped_column(String(32), index=True),
        "create_time": mapped_column(BigInteger), "update_time": mapped_column(BigInteger),
    })
engine = create_engine(f"sqlite:///{sys.argv[2]}")
with engine.begin() as connection:
    Base.metadata.create_all(connection)
    connection.execute(text("SELECT 1"))

models = [
    create_model(f"Model{number}", name=(str, Field(min_length=1, max_length=128)), note=(str | None, None),
                 size=(int, Field(default=0, ge=0)), score=(float, 0.0), tags=(list[str], []),
                 extra=(dict[str, str], {}))
    for number in range(MODELS)
]

def route(body_model, answer_model):
    def handler(item_id: str, body: body_model, page: int = 1) -> answer_model:  # type: ignore[valid-type]
        return answer_model(name=item_id)
    return handler

router = APIRouter(prefix="/api/v1")
for number in range(ROUTES):
    router.add_api_route(f"/things{number}/{{item_id}}", route(models[number % MODELS], models[(number + 1) % MODELS]),
                         methods=["POST"])
app = FastAPI()
app.include_router(router)

@app.get("/ping")
def ping() -> str:
    return "pong"

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def time_to_pong(command: list[str], url: str, env: dict[str, str], idle: float) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                with urlopen(url, timeout=1) as response:
                    if response.read() in (b"pong", b'"pong"'):
                        break
            except OSError:  # not listening yet (URLError, ConnectionError), or too busy to answer in time
                time.sleep(0.01)
        elapsed = time.perf_counter() - started
        time.sleep(idle)
        return elapsed, rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait()


def measure(runs: int, launch: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    results = [launch() for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds idle before reading RSS")
    options = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAGLOOM_")}
    env["RAGLOOM_LOG__LEVEL"] = "WARNING"

    with tempfile.TemporaryDirectory() as scratch:
        counter = iter(range(10_000))

        def ragloom(fresh: bool) -> tuple[float, float]:
            data_dir = Path(scratch) / (f"fresh-{next(counter)}" if fresh else "warm")
            port = free_port()
            command = [sys.executable, "-m", "ragloom", "serve", "--port", str(port), "--data-dir", str(data_dir)]
            return time_to_pong(command, f"http://127.0.0.1:{port}/api/v1/system/ping", env, options.idle)

        def bare_uvicorn() -> tuple[float, float]:
            port = free_port()
            command = [sys.executable, "-c", BARE_APP, str(port)]
            return time_to_pong(command, f"http://127.0.0.1:{port}/", env, options.idle)

        def framework_floor() -> tuple[float, float]:
            port = free_port()
            command = [sys.executable, "-c", FRAMEWORK_APP, str(port), str(Path(scratch) / "floor.sqlite3")]
            return time_to_pong(command, f"http://127.0.0.1:{port}/ping", env, options.idle)

        ragloom(fresh=False)  # creates the warm data directory
        fresh_start, fresh_rss = measure(options.runs, lambda: ragloom(fresh=True))
        warm_start, warm_rss = measure(options.runs, lambda: ragloom(fresh=False))
        bare_start, bare_rss = measure(options.runs, bare_uvicorn)
        floor_start, floor_rss = measure(options.runs, framework_floor)

    interpreter = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(1.0)
    python_rss = rss_mib(interpreter.pid)
    interpreter.kill()
    interpreter.wait()

    print(
        f"runs per figure: {options.runs} (medians), idle before RSS: {options.idle}s, python {sys.version.split()[0]}"
    )
    print(f"{'what':<40}{'start (s)':>12}{'idle RSS (MiB)':>16}")
    print(f"{'ragloom serve, fresh data dir':<40}{fresh_start:>12.3f}{fresh_rss:>16.1f}")
    print(f"{'ragloom serve, existing data dir':<40}{warm_start:>12.3f}{warm_rss:>16.1f}")
    print(f"{'baseline: bare uvicorn app':<40}{bare_start:>12.3f}{bare_rss:>16.1f}")
    print(f"{'baseline: FastAPI+SQLAlchemy, same size':<40}{floor_start:>12.3f}{floor_rss:>16.1f}")
    print(f"{'baseline: bare python interpreter':<40}{'-':>12}{python_rss:>16.1f}")
    print(f"ratio ragloom/bare uvicorn: start x{warm_start / bare_start:.2f}, idle RSS x{warm_rss / bare_rss:.2f}")
    print(f"ratio ragloom/framework floor: start x{warm_start / floor_start:.2f}, idle RSS x{warm_rss / floor_rss:.2f}")


if __name__ == "__main__":
    main()
