"""The ``ragloom`` command: ``serve`` (the default), ``apikey create|list|revoke`` and ``mcp``."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from ragloom import __version__
from ragloom.clock import http_date
from ragloom.errors import RagloomError
from ragloom.logs import configure_logging
from ragloom.services.container import Services
from ragloom.settings import Settings, load_settings
from ragloom.workers.pool import WorkerPool

_config = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML settings file (default: $RAGLOOM_CONFIG).",
)
_data_dir = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where ragloom keeps its data (default: $RAGLOOM_DATA_DIR or ~/.local/share/ragloom).",
)


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except RagloomError as error:
        raise click.ClickException(error.message) from None


def _services(config: Path | None, data_dir: Path | None) -> Services:
    settings = _settings(config, data_dir=data_dir)
    configure_logging(settings.log)
    return _build(settings)


def _build(settings: Settings) -> Services:
    """The services, or a one-line error (no traceback) when a store cannot be opened: an unknown
    backend, a bucket refusing the credentials, a missing client library."""
    try:
        return Services.build(settings)
    except RagloomError as error:
        raise click.ClickException(error.message) from None


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="ragloom")
@click.pass_context
def main(context: click.Context) -> None:
    """ragloom: a RAG engine that speaks RAGFlow's API. Without a command, runs `serve`."""
    if context.invoked_subcommand is None:
        context.invoke(serve)


@main.command()
@click.option("--host", default=None, help="Address to bind (default: $RAGLOOM_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: $RAGLOOM_PORT or 9380).")
@_data_dir
@_config
def serve(host: str | None, port: int | None, data_dir: Path | None, config: Path | None) -> None:
    """Start the HTTP server on the embedded stores, creating the data directory if needed."""
    import uvicorn

    from ragloom.api.app import create_app
    from ragloom.cli.shutdown import CONNECTIONS_GRACE_SECONDS, WORKERS_GRACE_SECONDS, GracefulServer, Shutdown

    settings = _settings(config, host=host, port=port, data_dir=data_dir)
    configure_logging(settings.log)
    services = _build(settings)
    services.sweep()
    recover_tasks(services)
    issued = services.tenants.ensure_first_key()
    if issued is not None:
        click.echo("No API key existed, so one was created. It is shown only this once:")
        click.echo(f"  API key: {issued.secret}")
        click.echo(f"  tenant:  {issued.tenant_id}")
    click.echo(f"ragloom {__version__} serving http://{settings.host}:{settings.port} (data: {settings.data_dir})")
    sys.stdout.flush()
    app = create_app(settings, services=services)
    workers = WorkerPool(settings, services.ledger)
    workers.start()
    shutdown = Shutdown(on_begin=workers.request_stop)
    server = GracefulServer(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=CONNECTIONS_GRACE_SECONDS,
        ),
        shutdown,
    )
    # uvicorn shuts down gracefully on SIGTERM and then raises the signal again; with the default
    # handler that kills the process before the cleanup below, so turn it into a normal exit.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        server.run()
    except KeyboardInterrupt:  # SIGINT, raised again by uvicorn once it has shut down
        pass
    finally:
        workers.stop(WORKERS_GRACE_SECONDS)
        services.close()
        shutdown.leave()
    if not server.started:
        raise click.ClickException(f"the server could not start on {settings.host}:{settings.port}")


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def recover_tasks(services: Services) -> None:
    """At start no worker of this data directory is alive: take back every task one held,
    not counted against its document (the server stopped, the document did nothing)."""
    from ragloom.workers.process import finish_abandoned

    finish_abandoned(services, services.ledger.recover())


@main.command()
@_data_dir
@_config
def worker(data_dir: Path | None, config: Path | None) -> None:
    """Run one worker in the foreground (parse tasks from the same database), until interrupted."""
    from ragloom.workers.process import run_worker
    from ragloom.workers.stop_signal import StopSignal

    settings = _settings(config, data_dir=data_dir)
    run_worker(settings, StopSignal.on(signal.SIGINT, signal.SIGTERM))


@main.group()
def apikey() -> None:
    """Create, list and revoke API keys."""


@apikey.command("create")
@click.option("--tenant", "tenant_id", default=None, help="Tenant id the key is for.")
@click.option("--new-tenant", is_flag=True, help="Create a new tenant for the key.")
@click.option("--name", "tenant_name", default="", help="Display name of a new tenant.")
@click.option("--label", default="", help="A note to tell keys apart.")
@_data_dir
@_config
def apikey_create(
    tenant_id: str | None, new_tenant: bool, tenant_name: str, label: str, data_dir: Path | None, config: Path | None
) -> None:
    """Create a key and print it, alone, on stdout. Without --tenant or --new-tenant the
    key is for the only tenant (one is created if there is none)."""
    if tenant_id and new_tenant:
        raise click.UsageError("--tenant and --new-tenant exclude each other")
    services = _services(config, data_dir)
    try:
        issued = services.tenants.issue_key(
            tenant_id=tenant_id, new_tenant=new_tenant, tenant_name=tenant_name, label=label
        )
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    finally:
        services.close()
    click.echo(issued.secret)


@apikey.command("list")
@click.option("--tenant", "tenant_id", default=None, help="Only this tenant's keys.")
@_data_dir
@_config
def apikey_list(tenant_id: str | None, data_dir: Path | None, config: Path | None) -> None:
    """List keys (the secrets themselves are not stored; a hint is shown)."""
    services = _services(config, data_dir)
    try:
        keys = services.tenants.list_keys(tenant_id)
    finally:
        services.close()
    click.echo("id\ttenant\thint\tcreated\tlast used\tlabel")
    for key in keys:
        used = http_date(key.last_used_time) or "-"
        click.echo(f"{key.id}\t{key.tenant_id}\t{key.hint}\t{http_date(key.create_time)}\t{used}\t{key.label}")


@apikey.command("revoke")
@click.argument("key")
@_data_dir
@_config
def apikey_revoke(key: str, data_dir: Path | None, config: Path | None) -> None:
    """Revoke KEY, given as its id, its hint or the key itself."""
    services = _services(config, data_dir)
    try:
        revoked = services.tenants.revoke(key)
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    finally:
        services.close()
    click.echo(f"revoked {revoked.id} ({revoked.hint})", err=True)


@main.command("mcp")
@click.option(
    "--api-key",
    envvar="RAGLOOM_API_KEY",
    required=True,
    show_envvar=True,
    help="The API key whose tenant the tools act for.",
)
@_data_dir
@_config
def mcp_command(api_key: str, data_dir: Path | None, config: Path | None) -> None:
    """Serve MCP on stdin/stdout (the tools of `serve`'s /mcp), on the data directory's stores
    in this process. Logs go to stderr."""
    from ragloom.mcp import serve_stdio

    services = _services(config, data_dir)
    try:
        caller = services.tenants.authenticate(api_key)
    except RagloomError:
        services.close()
        raise click.ClickException("the API key is not valid for this data directory") from None
    try:
        serve_stdio(services, caller)
    finally:
        services.close()
