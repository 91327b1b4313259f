"""CodeExec's sandbox: code run in a separate, limited process, never in the server's.

Off unless the operator sets ``agents.sandbox.enabled``. One run is one process tree (Linux,
util-linux's ``unshare``, ``setpriv`` and ``prlimit``)::

    unshare [--user --map-root-user] [--net] --pid --fork --kill-child --
      [setpriv --reuid U --regid G --clear-groups --no-new-privs --]   # a server running as root
        prlimit --cpu --as --fsize --nofile --core [--nproc] --
          python -I -c RUNNER          |  node --max-old-space-size=M -e RUNNER

* **no network** unless ``allow_network``: a network namespace of its own has no interface but
  an unconfigured loopback (a server not running as root gets it inside a user namespace);
* **its own user**: a server running as root runs code as ``agents.sandbox.user`` (``nobody``
  by default), who cannot read the server's data directory when that is private (it should be);
  otherwise the code runs as the server's user — keep secrets out of what that user can read;
* **its own process namespace**: when the run ends or is stopped, everything it started dies;
* **limits**: CPU seconds, address space (Python; Node.js gets its heap limit), file size, open
  files, a wall-clock timeout, and stdout, stderr and the result each cut at ``max_output_size``;
* **nothing inherited**: a fresh temporary working directory (removed afterwards) that is also
  HOME and TMPDIR, an environment of PATH and LANG alone, stdin holding only the request.

The code and its arguments go in on stdin; ``main(**arguments)`` (Python) or
``main(arguments)`` (JavaScript, exported) is called and its return value comes back as JSON
on a pipe of its own (whose descriptor the request names), apart from what the code prints.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from ragloom.agents.toolbox import CodeResult, CodeRun
from ragloom.errors import ConfigError, ProviderError
from ragloom.settings import SandboxSettings

MAX_FILE_SIZE = 16 * 1024 * 1024
MAX_OPEN_FILES = 64
MAX_PROCESSES = 64
CUT = "…"

PYTHON_RUNNER = """
import json, os, signal, sys, traceback
def out_of_cpu(*_):
    raise TimeoutError("the code used up its CPU time")
signal.signal(signal.SIGXCPU, out_of_cpu)
request = json.loads(sys.stdin.buffer.read())
sys.stdin = open(os.devnull)
channel = os.fdopen(request["channel"], "w", encoding="utf-8")
try:
    scope = {"__name__": "__sandbox__"}
    exec(compile(request["code"], "<code>", "exec"), scope)
    main = scope.get("main")
    if not callable(main):
        raise NameError("the code defines no main function")
    answer = {"value": main(**request["arguments"])}
except BaseException:
    kind, error, trace = sys.exc_info()
    answer = {"error": "".join(traceback.format_exception_only(kind, error)).strip()}
    sys.stderr.write("".join(traceback.format_exception(kind, error, trace)))
sys.stdout.flush()
channel.write(json.dumps(answer, default=repr, ensure_ascii=False))
channel.close()
"""

NODE_RUNNER = """
const fs = require("fs");
const path = require("path");
const request = JSON.parse(fs.readFileSync(0, "utf8"));
fs.writeFileSync("main.js", request.code);
(async () => {
  let answer;
  try {
    const loaded = require(path.resolve("main.js"));
    const main = typeof loaded === "function" ? loaded : loaded && loaded.main;
    if (typeof main !== "function") throw new Error("the code exports no main function");
    const value = await main(request.arguments);
    answer = { value: value === undefined ? null : value };
  } catch (error) {
    answer = { error: String(error && error.message ? error.name + ": " + error.message : error) };
    process.stderr.write(String(error && error.stack ? error.stack : error) + "\\n");
  }
  fs.writeSync(request.channel, JSON.stringify(answer));
  process.exit(0);
})();
"""


@dataclass(frozen=True)
class _Identity:
    uid: int
    gid: int


class Sandbox:
    """Runs code as the module docstring says; :meth:`run` refuses when the operator has not enabled it."""

    def __init__(self, settings: SandboxSettings) -> None:
        self._settings = settings

    def run(self, request: CodeRun) -> CodeResult:
        """``main``'s return value, or why there is none (see :class:`CodeResult`)."""
        settings = self._settings
        if not settings.enabled:
            raise ConfigError(
                "CodeExec is off: the operator enables the sandbox with agents.sandbox.enabled = true "
                "(RAGLOOM_AGENTS__SANDBOX__ENABLED)."
            )
        program = self._program(request)
        identity = self._identity()
        with tempfile.TemporaryDirectory(prefix="ragloom-sandbox-") as workdir:
            if identity is not None:
                os.chown(workdir, identity.uid, identity.gid)
            return self._execute(self._command(program, identity), workdir, request)

    def _program(self, request: CodeRun) -> list[str]:
        settings = self._settings
        if request.language == "javascript":
            if not settings.node:
                raise ConfigError(
                    "CodeExec: JavaScript is off; the operator names Node.js as agents.sandbox.node to allow it."
                )
            return [settings.node, f"--max-old-space-size={settings.memory_mb}", "-e", NODE_RUNNER]
        return [settings.python or sys.executable, "-I", "-X", "utf8", "-c", PYTHON_RUNNER]

    def _identity(self) -> _Identity | None:
        """Whom the code runs as: another user when the server runs as root, else the server's."""
        name = self._settings.user
        if os.geteuid() != 0:
            if name:
                raise ConfigError("CodeExec: agents.sandbox.user can be used only when the server runs as root.")
            return None
        try:
            entry = pwd.getpwnam(name or "nobody")
        except KeyError:
            raise ConfigError(f"CodeExec: agents.sandbox.user '{name or 'nobody'}' is not a user here.") from None
        if entry.pw_uid == 0:
            raise ConfigError("CodeExec: agents.sandbox.user must not be root.")
        return _Identity(entry.pw_uid, entry.pw_gid)

    def _command(self, program: list[str], identity: _Identity | None) -> list[str]:
        settings = self._settings
        for tool in ("unshare", "prlimit", *(("setpriv",) if identity is not None else ())):
            if shutil.which(tool) is None:
                raise ConfigError(f"CodeExec: the sandbox needs util-linux's {tool}, which is not installed here.")
        isolate = ["unshare"]
        if identity is None and os.geteuid() != 0:
            isolate += ["--user", "--map-root-user"]
        if not settings.allow_network:
            isolate.append("--net")
        isolate += ["--pid", "--fork", "--kill-child", "--"]
        become = (
            [
                "setpriv",
                f"--reuid={identity.uid}",
                f"--regid={identity.gid}",
                "--clear-groups",
                "--no-new-privs",
                "--",
            ]
            if identity is not None
            else []
        )
        limits = [
            "prlimit",
            f"--cpu={settings.cpu_seconds}:{settings.cpu_seconds + 1}",  # SIGXCPU, then SIGKILL a second later
            f"--fsize={MAX_FILE_SIZE}",
            f"--nofile={MAX_OPEN_FILES}",
            "--core=0",
        ]
        if program[1:2] == ["-I"]:  # Node.js reserves far more address space than it uses
            limits.append(f"--as={settings.memory_mb * 1024 * 1024}")
        if identity is not None:
            limits.append(f"--nproc={MAX_PROCESSES}")
        return [*isolate, *become, *limits, "--", *program]

    def _execute(self, command: list[str], workdir: str, request: CodeRun) -> CodeResult:
        settings = self._settings
        limit = settings.max_output_size
        environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8"}
        result_read, result_write = os.pipe()
        payload = json.dumps(
            {"code": request.code, "arguments": dict(request.arguments), "channel": result_write}, default=str
        ).encode()
        try:
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(result_write,),
                start_new_session=True,
            )
        except OSError as failure:
            os.close(result_read)
            os.close(result_write)
            raise ProviderError(f"CodeExec: the sandbox could not start ({failure.strerror})") from None
        os.close(result_write)
        outputs: dict[str, bytes] = {}
        readers = [
            _reader(process.stdout, limit, lambda data: outputs.__setitem__("stdout", data)),
            _reader(process.stderr, limit, lambda data: outputs.__setitem__("stderr", data)),
            _reader(os.fdopen(result_read, "rb"), limit, lambda data: outputs.__setitem__("result", data)),
        ]
        assert process.stdin is not None
        try:
            process.stdin.write(payload)
            process.stdin.close()
        except BrokenPipeError:
            pass
        timed_out = False
        try:
            process.wait(timeout=settings.timeout_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for reader in readers:
            reader.join(timeout=5)
        stdout = _shown(outputs.get("stdout", b""), limit)
        stderr = _shown(outputs.get("stderr", b""), limit)
        if timed_out:
            late = (
                f"the code did not finish within {settings.timeout_seconds:g} seconds (agents.sandbox.timeout_seconds)"
            )
            return CodeResult(error=late, stdout=stdout, stderr=stderr)
        return _outcome(outputs.get("result", b""), process.returncode, settings, stdout, stderr)


def _outcome(result: bytes, returncode: int, settings: SandboxSettings, stdout: str, stderr: str) -> CodeResult:
    if len(result) > settings.max_output_size:
        error = f"the result is larger than {settings.max_output_size} bytes (agents.sandbox.max_output_size)"
        return CodeResult(error=error, stdout=stdout, stderr=stderr)
    if result:
        try:
            answer = json.loads(result)
        except ValueError:
            return CodeResult(error="the code's result could not be read", stdout=stdout, stderr=stderr)
        if isinstance(answer, dict) and "error" in answer:
            return CodeResult(error=str(answer["error"]), stdout=stdout, stderr=stderr)
        if isinstance(answer, dict) and "value" in answer:
            return CodeResult(value=answer["value"], stdout=stdout, stderr=stderr)
    if returncode in (126, 127):  # prlimit could not execute the interpreter
        return CodeResult(
            error=f"the sandbox could not start its interpreter (exit code {returncode}); the operator sets "
            "agents.sandbox.python (or agents.sandbox.node) to one the sandbox's user can run",
            stdout=stdout,
            stderr=stderr,
        )
    error = (
        f"the sandbox process ended without a result (exit code {returncode}); it may have gone past its CPU time "
        f"({settings.cpu_seconds} s, agents.sandbox.cpu_seconds) or memory ({settings.memory_mb} MiB, "
        "agents.sandbox.memory_mb)"
    )
    return CodeResult(error=error, stdout=stdout, stderr=stderr)


def _reader(stream: IO[bytes] | None, limit: int, done: Callable[[bytes], None]) -> threading.Thread:
    """A thread keeping the first ``limit + 1`` bytes of ``stream`` and draining the rest."""

    def read() -> None:
        assert stream is not None
        kept = bytearray()
        with stream:
            while piece := stream.read(65536):
                if len(kept) <= limit:
                    kept += piece[: limit + 1 - len(kept)]
        done(bytes(kept))

    thread = threading.Thread(target=read, name="sandbox-output", daemon=True)
    thread.start()
    return thread


def _shown(data: bytes, limit: int) -> str:
    text = data[:limit].decode("utf-8", errors="replace")
    return text + CUT if len(data) > limit else text
