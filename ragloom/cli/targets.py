"""Where ``ingest`` and ``status`` act: a server (``--server``, ``--api-key``) or, without one,
the data directory itself (``--data-dir``, ``--config``, ``--tenant``)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from ragloom.cli.options import build_services, cli_settings, config_option, data_dir_option
from ragloom.client.target import IngestTarget
from ragloom.errors import RagloomError
from ragloom.logs import configure_logging

LOG_LEVEL_VARIABLE = "RAGLOOM_LOG__LEVEL"
Command = TypeVar("Command", bound=Callable[..., Any])


def target_options(command: Command) -> Command:
    """The options choosing the target, in the order ``--help`` shows them."""
    for option in (
        config_option,
        data_dir_option,
        click.option(
            "--tenant",
            "tenant_id",
            default=None,
            help="Without --server: the tenant to act for (default: the only one).",
        ),
        click.option(
            "--api-key", envvar="RAGLOOM_API_KEY", default=None, help="With --server: the key ($RAGLOOM_API_KEY)."
        ),
        click.option(
            "--server", default=None, help="A running server's URL (http://host:9380); without it, the data directory."
        ),
    ):
        command = option(command)
    return command


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """While inside, SIGTERM ends the command through its clean-up (a local target's worker pool
    is stopped), as Ctrl-C does; the earlier handler is put back after."""
    earlier = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, earlier)


def open_target(
    server: str | None,
    api_key: str | None,
    tenant_id: str | None,
    data_dir: Path | None,
    config: Path | None,
    *,
    workers: int | None = None,
) -> IngestTarget:
    """The target the options name; a usage error when they contradict each other."""
    if server is not None:
        if not api_key:
            raise click.UsageError("--server needs --api-key (or $RAGLOOM_API_KEY)")
        if tenant_id is not None or data_dir is not None:
            raise click.UsageError("--tenant and --data-dir are for working without --server")
        from ragloom.client.http_target import HttpTarget

        return HttpTarget(server, api_key)
    if api_key:
        raise click.UsageError("--api-key is for --server; without it ragloom opens the data directory")
    from ragloom.client.local_target import LocalTarget

    overrides: dict[str, Any] = {"data_dir": data_dir}
    if config is None and LOG_LEVEL_VARIABLE not in os.environ:
        # The workers' INFO lines (a few per document) would bury the progress; say so to see them.
        overrides["log"] = {"level": "WARNING"}
    if workers is not None:
        overrides["workers"] = {"count": workers}
    settings = cli_settings(config, **overrides)
    configure_logging(settings.log)
    services = build_services(settings)
    try:
        return LocalTarget(services, tenant_id)
    except RagloomError as error:
        services.close()
        raise click.ClickException(error.message) from None
