"""The `tfo-mcp` command line: serve, demo, db, config, analytics, models, tools, doctor, version.

Only this module writes to stdout, and never while serving over stdio.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from tfo_mcp import __version__, startup
from tfo_mcp.config import LoadedSettings, flatten_keys, redacted_dump
from tfo_mcp.terminal import ProgressBar

app = typer.Typer(
    name="tfo-mcp",
    help="MCP server for the TelemetryFlow observability platform.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Show or validate the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
demo_app = typer.Typer(help="Seed the embedded store with demo telemetry and serve it.")
analytics_app = typer.Typer(help="The analytics stream (nats.url).", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(analytics_app, name="analytics")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML config file (default: ./tfo-mcp.yaml and the search path)")
]


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Without a command, serve over stdio (what MCP clients such as Claude Desktop run)."""
    if ctx.invoked_subcommand not in (None, "serve"):
        gc.enable()  # off during start-up (tfo_mcp.launch); serving turns it on once the server is built
    if ctx.invoked_subcommand is None:
        startup.serve(startup.load(config))


@app.command()
def serve(
    config: ConfigOption = None,
    transport: Annotated[str | None, typer.Option(help="stdio, http or sse")] = None,
    host: Annotated[str | None, typer.Option(help="HTTP bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (default 8080)")] = None,
    toolsets: Annotated[str | None, typer.Option(help="Toolsets listed: comma-separated, default or all")] = None,
) -> None:
    """Serve MCP over stdio (default) or streamable HTTP."""
    overrides = {"server": {"transport": transport, "host": host, "port": port}, "mcp": {"toolsets": toolsets}}
    startup.serve(startup.load(config, overrides))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"tfo-mcp {__version__}")


@app.command()
def tools(
    config: ConfigOption = None,
    toolsets: Annotated[str | None, typer.Option(help="Comma-separated toolsets, default or all")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List the tools a connection sees (mcp.toolsets, or --toolsets) with their toolset and annotations."""
    loaded = startup.load(config, {"mcp": {"toolsets": toolsets}})
    from tfo_mcp import toolsets as catalog
    from tfo_mcp.app import build_server

    selected = catalog.parse_selection(loaded.settings.mcp.toolsets)
    listed = asyncio.run(build_server(loaded.settings).list_tools())
    rows = []
    for tool in sorted(listed, key=lambda t: catalog.entry(t.name).position):
        if catalog.entry(tool.name).toolset not in selected:
            continue
        hints = tool.annotations
        rows.append(
            {
                "name": tool.name,
                "toolset": catalog.entry(tool.name).toolset,
                "readOnly": hints.readOnlyHint if hints else None,
                "destructive": hints.destructiveHint if hints else None,
                "idempotent": hints.idempotentHint if hints else None,
                "openWorld": hints.openWorldHint if hints else None,
                "description": (tool.description or "").strip().splitlines()[0] if tool.description else "",
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    flag = {True: "yes", False: "no", None: "?"}
    typer.echo(f"{'tool':<24} {'toolset':<10} {'read-only':<9} {'destr.':<6} {'idemp.':<6} {'open':<5} description")
    for row in rows:
        typer.echo(
            f"{row['name']:<24} {row['toolset']:<10} {flag[row['readOnly']]:<9} {flag[row['destructive']]:<6} "
            f"{flag[row['idempotent']]:<6} {flag[row['openWorld']]:<5} {row['description']}"
        )


@app.command()
def models(
    config: ConfigOption = None,
    provider: Annotated[str | None, typer.Option(help="Only this provider")] = None,
    available: Annotated[bool, typer.Option("--available", help="Only models whose credentials are set")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List the model catalog: provider, model, LiteLLM route, credentials configured."""
    startup.load(config)
    from tfo_mcp.llm import providers

    try:
        rows = providers.list_models(provider=provider, available_only=available)
    except ValueError as exc:
        startup.fail(str(exc))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'provider':<10} {'model':<32} {'route':<44} configured")
    for row in rows:
        typer.echo(
            f"{row['provider']:<10} {row['model']:<32} {row['route']:<44} "
            f"{'yes' if row['credentials_configured'] else 'no'}"
        )


@app.command()
def doctor(config: ConfigOption = None) -> None:
    """Check the configuration and every configured datastore and provider; exit 1 on any failure."""
    loaded = startup.load(config)
    typer.echo(f"ok    config      {loaded.config_file or 'defaults + environment'}")
    from tfo_mcp.sandbox import confinement
    from tfo_mcp.tools.status import check_components

    failed = False
    mode = confinement.current()
    if not loaded.settings.security.enable_execute_command:
        status = "skip"
    elif mode.refused:
        status, failed = "FAIL", True
    else:
        status = "ok" if mode.mode == "landlock" else "warn"
    typer.echo(f"{status:<5} {'confinement':<11} commands: {mode.describe()}")
    for item in asyncio.run(check_components()):
        if not item.configured:
            status = "skip"
        elif item.reachable is False:
            status, failed = "FAIL", True
        else:
            status = "ok"
        latency = f" ({item.latency_ms:.0f} ms)" if item.latency_ms is not None and item.configured else ""
        typer.echo(f"{status:<5} {item.name:<11} {item.detail}{latency}")
    raise typer.Exit(1 if failed else 0)


@config_app.command("show")
def config_show(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Print the effective configuration (secrets redacted) and where each value came from."""
    loaded = startup.load(config)
    values = flatten_keys(redacted_dump(loaded.settings))
    if as_json:
        typer.echo(json.dumps({"config_file": str(loaded.config_file or ""), "values": values,
                               "sources": loaded.sources}, indent=2))  # fmt: skip
        return
    typer.echo(f"# config file: {loaded.config_file or '(none)'}")
    for key, value in values.items():
        typer.echo(f"{key} = {json.dumps(value)}    # {loaded.sources.get(key, 'default')}")


@config_app.command("validate")
def config_validate(path: Annotated[Path | None, typer.Argument(help="YAML file to check")] = None) -> None:
    """Validate a config file together with the environment; exit 2 on the first problem."""
    loaded = startup.load(path)
    typer.echo(f"valid: {loaded.config_file or 'defaults + environment'}")
    from importlib.util import find_spec

    from tfo_mcp import telemetry

    if telemetry.wanted(loaded):
        if find_spec("opentelemetry.sdk") is None or find_spec("opentelemetry.exporter.otlp.proto.http") is None:
            typer.echo("note: telemetry is on but the OpenTelemetry SDK is missing: install tfo-mcp[otel]")
        else:
            typer.echo("note: telemetry is on: traces and metrics go out over OTLP/HTTP")


@db_app.command("migrate")
def db_migrate(
    config: ConfigOption = None,
    platform: Annotated[bool, typer.Option("--platform", help="Also create the TFO platform tables")] = False,
    tenancy: Annotated[
        bool,
        typer.Option(
            "--tenancy",
            help="Also set up PostgreSQL row-level security for organization-scoped pg_query (needs CREATEROLE)",
        ),
    ] = False,
) -> None:
    """Apply the versioned SQL migrations to every configured store (idempotent)."""
    loaded = startup.load(config)
    bar = ProgressBar("db migrate")
    try:
        results = asyncio.run(_migrate_all(loaded, platform, bar, tenancy=tenancy))
    finally:
        bar.close()
    failed = False
    for store, outcome in results:
        if isinstance(outcome, Exception):
            failed = True
            typer.echo(f"FAIL  {store}: {outcome}", err=True)
        else:
            typer.echo(f"ok    {store}: {', '.join(outcome) if outcome else 'up to date'}")
    raise typer.Exit(1 if failed else 0)


async def _migrate_all(
    loaded: LoadedSettings, platform: bool, progress: ProgressBar, *, tenancy: bool = False
) -> list[tuple[str, Any]]:
    # The stores are imported here, not at the top: they load fastmcp, a second every other command would wait.
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse, postgres

    steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("clickhouse/server", lambda: clickhouse.migrate("server"))
    ]
    if postgres.is_configured():
        steps.append(("postgres/server", lambda: postgres.migrate("server")))
    if platform:  # picks the legacy ClickHouse variant for servers older than 20.x
        steps.append(("platform", demo.migrate_platform))
    if tenancy and postgres.is_configured():  # after the platform tables: it covers every organization table
        steps.append(("postgres/tenancy", lambda: postgres.migrate("tenancy")))
    results: list[tuple[str, Any]] = []
    for done, (name, step) in enumerate(steps):
        progress(100.0 * done / len(steps), name)
        try:
            outcome = await step()
        except Exception as exc:
            results.append((name, exc))
            continue
        if name == "platform":
            results += [(f"{store}/platform", applied) for store, applied in outcome.items()]
        else:
            results.append((name, outcome))
    progress(100.0, "done")
    await clickhouse.reset()
    if postgres.is_configured():
        await postgres.reset()
    return results


@analytics_app.command("consume")
def analytics_consume(config: ConfigOption = None) -> None:
    """Write the analytics stream into ClickHouse until SIGTERM/SIGINT (servers set nats.consumer: external)."""
    loaded = startup.load(config)
    if loaded.settings.nats.url is None:
        typer.echo("analytics consume: nats.url is not set (TELEMETRYFLOW_MCP_NATS__URL)", err=True)
        raise typer.Exit(2)
    asyncio.run(_consume())


async def _consume() -> None:
    import signal

    from loguru import logger

    from tfo_mcp.analytics import stream

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    logger.info("analytics consumer started")
    counters = await stream.consume_until_stopped(stop)
    logger.info("analytics consumer stopped: {}", counters)


@demo_app.callback(invoke_without_command=True)
def demo_main(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Serve over stdio at once; in the background, start the embedded PostgreSQL and seed the demo estate when it
    is not complete (contexts say "[SYSTEM] the demo estate is being prepared (n %)" until then)."""
    if ctx.invoked_subcommand is not None:
        return
    startup.serve_demo(startup.load(config))


@demo_app.command("seed")
def demo_seed(
    config: ConfigOption = None,
    orgs: Annotated[int, typer.Option(min=2, help="Organizations")] = 2,
    services: Annotated[int, typer.Option(min=1, help="Services per organization")] = 12,
    hours: Annotated[int, typer.Option(min=1, help="Hours of history")] = 24,
    scale: Annotated[int, typer.Option(min=1, help="Multiply raw volumes (benchmarks)")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 42,
) -> None:
    """Write a deterministic synthetic estate for several organizations into the configured stores."""
    loaded = startup.load(config)
    from tfo_mcp.stores import embedded_postgres

    embedded_postgres.start_for_demo(loaded)  # unless postgres.url is set

    bar = ProgressBar("demo seed")

    async def run() -> dict[str, int]:
        from tfo_mcp import demo
        from tfo_mcp.stores import clickhouse, postgres

        bar(0.0, "migrating the platform tables")
        await demo.migrate_platform()
        counts = await demo.seed(orgs=orgs, services=services, hours=hours, scale=scale, seed=seed, progress=bar)
        await clickhouse.reset()
        await postgres.reset()
        return counts

    try:
        counts = asyncio.run(run())
    finally:
        bar.close()
        embedded_postgres.stop_demo()
    for table, rows in sorted(counts.items()):
        typer.echo(f"{table:<40} {rows:>12,}")
    typer.echo(f"{'total':<40} {sum(counts.values()):>12,}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        sys.exit(1)
