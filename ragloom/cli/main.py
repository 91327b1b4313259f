"""The ``ragloom`` command: ``serve`` (the default), ``worker``, ``copy``, ``apikey create|list|revoke``,
``mcp``, and ``ingest``, ``status`` and ``reindex`` (:mod:`ragloom.cli.ingest`, :mod:`ragloom.cli.status`,
:mod:`ragloom.cli.reindex`)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from ragloom import __version__
from ragloom.cli.ingest import ingest
from ragloom.cli.options import build_services, cli_settings, config_option, data_dir_option, open_services
from ragloom.cli.reindex import reindex
from ragloom.cli.status import status
from ragloom.clock import http_date
from ragloom.collector import resume_default_pace
from ragloom.errors import RagloomError
from ragloom.logs import configure_logging
from ragloom.services.container import Services
from ragloom.settings import Settings
from ragloom.workers.pool import WorkerPool


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="ragloom")
@click.pass_context
def main(context: click.Context) -> None:
    """ragloom: a RAG engine that speaks RAGFlow's API. Without a command, runs `serve`."""
    if context.invoked_subcommand is None:
        context.invoke(serve)


main.add_command(ingest)
main.add_command(status)
main.add_command(reindex)


@main.command()
@click.option("--host", default=None, help="Address to bind (default: $RAGLOOM_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: $RAGLOOM_PORT or 9380).")
@click.option(
    "--no-workers",
    is_flag=True,
    help="Serve the API only; `ragloom worker` processes (here or on other hosts) do the background work.",
)
@data_dir_option
@config_option
def serve(host: str | None, port: int | None, no_workers: bool, data_dir: Path | None, config: Path | None) -> None:
    """Start the HTTP server on the embedded stores, creating the data directory if needed."""
    import uvicorn

    from ragloom.api.app import create_app
    from ragloom.cli.shutdown import CONNECTIONS_GRACE_SECONDS, WORKERS_GRACE_SECONDS, GracefulServer, Shutdown

    settings = cli_settings(config, host=host, port=port, data_dir=data_dir)
    if no_workers:
        settings = settings.model_copy(update={"workers": settings.workers.model_copy(update={"count": 0})})
    configure_logging(settings.log)
    services = build_services(settings)
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
    resume_default_pace()  # started: what is left to import or build is small
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
    """At start the workers this host ran before are dead: take back every task one of them held,
    not counted against its document (the server stopped, the document did nothing). Tasks of
    workers still running (``ragloom worker``, other hosts) are left to them, or to their lease."""
    from ragloom.workers.process import finish_abandoned, worker_is_gone

    finish_abandoned(services, services.ledger.recover(worker_is_gone))


@main.command()
@data_dir_option
@config_option
def worker(data_dir: Path | None, config: Path | None) -> None:
    """Run one worker in the foreground (parse tasks from the same database), until interrupted."""
    from ragloom.workers.process import run_worker
    from ragloom.workers.stop_signal import StopSignal

    settings = cli_settings(config, data_dir=data_dir)
    resume_default_pace()
    run_worker(settings, StopSignal.on(signal.SIGINT, signal.SIGTERM))


@main.command()
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="TOML settings of the stores to copy into (e.g. [database] postgresql, [blobs] s3).",
)
@data_dir_option
@config_option
def copy(target: Path, data_dir: Path | None, config: Path | None) -> None:
    """Copy everything of a stopped ragloom (default: the embedded data directory) into the stores
    --to names, which must be empty, and check that every count matches."""
    from ragloom.storage.backends import StorageBackends
    from ragloom.storage.copy import Stores, copy_all

    def opened(settings: Settings) -> Stores:
        registries = StorageBackends.builtin()
        try:
            registries.check(settings)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            return Stores(
                registries.metadata.create(settings.database.backend, settings),
                registries.blobs.create(settings.blobs.backend, settings),
                registries.index.create(settings.index.backend, settings),
            )
        except RagloomError as error:
            raise click.ClickException(error.message) from None

    source_settings = cli_settings(config, data_dir=data_dir)
    configure_logging(source_settings.log)
    source, destination = opened(source_settings), opened(cli_settings(target))
    try:
        report = copy_all(source, destination, progress=lambda line: click.echo(line, err=True))
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    finally:
        for stores in (source, destination):
            stores.index.close()
            stores.metadata.close()
    click.echo("table\trows")
    for name, count in report.rows.items():
        click.echo(f"{name}\t{count}")
    click.echo(f"files\t{report.blobs}")
    click.echo(f"index records\t{report.total_records} (of {len(report.records)} datasets and memories)")
    click.echo("Copied; every count matches the source.", err=True)


@main.group()
def apikey() -> None:
    """Create, list and revoke API keys."""


@apikey.command("create")
@click.option("--tenant", "tenant_id", default=None, help="Tenant id the key is for.")
@click.option("--new-tenant", is_flag=True, help="Create a new tenant for the key.")
@click.option("--name", "tenant_name", default="", help="Display name of a new tenant.")
@click.option("--label", default="", help="A note to tell keys apart.")
@data_dir_option
@config_option
def apikey_create(
    tenant_id: str | None, new_tenant: bool, tenant_name: str, label: str, data_dir: Path | None, config: Path | None
) -> None:
    """Create a key and print it, alone, on stdout. Without --tenant or --new-tenant the
    key is for the only tenant (one is created if there is none)."""
    if tenant_id and new_tenant:
        raise click.UsageError("--tenant and --new-tenant exclude each other")
    services = open_services(config, data_dir)
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
@data_dir_option
@config_option
def apikey_list(tenant_id: str | None, data_dir: Path | None, config: Path | None) -> None:
    """List keys (the secrets themselves are not stored; a hint is shown)."""
    services = open_services(config, data_dir)
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
@data_dir_option
@config_option
def apikey_revoke(key: str, data_dir: Path | None, config: Path | None) -> None:
    """Revoke KEY, given as its id, its hint or the key itself."""
    services = open_services(config, data_dir)
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
@data_dir_option
@config_option
def mcp_command(api_key: str, data_dir: Path | None, config: Path | None) -> None:
    """Serve MCP on stdin/stdout (the tools of `serve`'s /mcp), on the data directory's stores
    in this process. Logs go to stderr."""
    from ragloom.mcp import serve_stdio

    services = open_services(config, data_dir)
    try:
        caller = services.tenants.authenticate(api_key)
    except RagloomError:
        services.close()
        raise click.ClickException("the API key is not valid for this data directory") from None
    try:
        serve_stdio(services, caller)
    finally:
        services.close()
