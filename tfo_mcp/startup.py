"""Loading the settings and serving them: what both the direct start-up path and the CLI run."""

from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path
from typing import Any

from tfo_mcp.config import ConfigError, LoadedSettings, load_settings, set_settings

EXIT_CONFIG = 2


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, then exit with ``code`` (stdout stays clean for JSON-RPC)."""
    print(message, file=sys.stderr)
    raise SystemExit(code)


def load(config: Path | None, overrides: dict[str, Any] | None = None) -> LoadedSettings:
    """Load settings (exit 2 with one line on stderr when they are bad) and set up logging."""
    from tfo_mcp.logs import setup_logging

    try:
        loaded = load_settings(config)
        for section, values in (overrides or {}).items():
            for key, value in values.items():
                if value is not None:
                    setattr(getattr(loaded.settings, section), key, value)
                    loaded.sources[f"{section}.{key}"] = "cli"
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    except ValueError as exc:  # validate_assignment on a CLI override
        fail(f"config error: {str(exc).splitlines()[0]}", EXIT_CONFIG)
    set_settings(loaded)
    setup_logging(loaded.settings.logging)
    return loaded


def serve(loaded: LoadedSettings, extra: tuple[Any, ...] = ()) -> None:
    """Assemble the server (with the ``extra`` :class:`tfo_mcp.app.Capability` objects), then serve on the
    configured transport until told to stop."""
    from tfo_mcp.app import build_server
    from tfo_mcp.transport import serve as serve_transport

    server = build_server(loaded.settings, extra)

    # What exists now lives as long as the process: keep it out of every later collection.
    gc.freeze()
    gc.enable()
    try:
        asyncio.run(serve_transport(loaded.settings, server))
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    except KeyboardInterrupt:
        pass


def serve_demo(loaded: LoadedSettings) -> None:
    """`tfo-mcp demo`: serve at once; the embedded PostgreSQL and the estate's seed are prepared in the background
    (contexts say "[SYSTEM] the demo estate is being prepared (n %)" until then); PostgreSQL stops on exit. The
    demo's first organization (Acme Retail) is the default one unless ``server.default_organization`` says."""
    from fastmcp.server.providers import LocalProvider

    from tfo_mcp.app import Capability
    from tfo_mcp.demo.preparation import EstatePreparation
    from tfo_mcp.stores import embedded_postgres

    if loaded.settings.server.default_organization is None:  # a first call may name no organization
        from tfo_mcp.demo.plan import org_id

        loaded.settings.server.default_organization = org_id(0)
    preparation = EstatePreparation(loaded)
    capability = Capability("demo estate", lambda _: LocalProvider(), start=preparation.start, stop=preparation.stop)
    try:
        serve(loaded, (capability,))
    finally:
        embedded_postgres.stop_demo()
