"""The versioned SQL migrations of both stores: which files they are, and applying ClickHouse's.

Each store keeps its migrations as ``NNN_name.sql`` files under ``tfo_mcp/sql/<store>/<kind>/`` and records
what it applied, per kind, in its own ``schema_migrations`` table with the file's SHA-256, so a file is applied
once and a file changed after it was applied is reported. :mod:`tfo_mcp.stores.clickhouse` and
:mod:`tfo_mcp.stores.postgres` decide when a migration runs (start-up, ``ensure_schema``, the CLI) and hold
its lock or transaction: each store's start-up migrates, so a migration runner that reached for the store
itself would close an import circle.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from loguru import logger

from tfo_mcp.stores.clickhouse_backend import Backend

CLICKHOUSE_SQL_DIR = Path(__file__).parent.parent / "sql" / "clickhouse"
RUNNER_DIR = CLICKHOUSE_SQL_DIR / "runner"
RESERVED_KINDS = frozenset({"queries", "runner", "demo"})  # folders that hold SQL but no migrations
POSTGRES_FILE = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")
_KIND = re.compile(r"[a-z][a-z0-9_]*")


def checksum(text: str) -> str:
    """The SHA-256 (hex) a migration file is recorded with."""
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- ClickHouse


def split_statements(text: str) -> list[str]:
    """Statements of a migration file: split on ``;`` at the end of a line, comment-only parts dropped."""
    statements = []
    for part in re.split(r";[ \t]*$", text, flags=re.MULTILINE):
        code = "\n".join(line for line in part.splitlines() if not line.strip().startswith("--")).strip()
        if code:
            statements.append(part.strip())
    return statements


@cache
def _runner_sql(name: str) -> str:
    """The text of ``sql/clickhouse/runner/<name>.sql`` (the statements of the migration record)."""
    return (RUNNER_DIR / f"{name}.sql").read_text(encoding="utf-8")


def clickhouse_folder(kind: str, directory: Path | None = None) -> Path:
    """The folder of ClickHouse migrations of ``kind`` (``directory`` when given); ValueError if there is none."""
    folder = directory or CLICKHOUSE_SQL_DIR / kind
    if not _KIND.fullmatch(kind) or kind in RESERVED_KINDS or not folder.is_dir():
        raise ValueError(f"unknown ClickHouse migration kind {kind!r}")
    return folder


async def apply_clickhouse(backend: Backend, kind: str, folder: Path) -> list[str]:
    """Apply the ``NNN_*.sql`` files of ``folder`` not yet recorded for ``kind`` on ``backend``, in order.

    Creates the database and ``schema_migrations`` when missing. Returns the names applied now.
    """
    await backend.ensure_database()
    for statement in split_statements(_runner_sql("create")):
        await backend.execute(statement)
    result = await backend.query(_runner_sql("applied"), {"kind": kind}, readonly=False)
    applied = {int(version): recorded for version, recorded in result.rows}
    done: list[str] = []
    for path in sorted(folder.glob("[0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:3])
        text = path.read_text(encoding="utf-8")
        digest = checksum(text)
        if version in applied:
            if applied[version] != digest:
                logger.warning("ClickHouse migration {}/{} changed after it was applied", kind, path.name)
            continue
        for statement in split_statements(text):
            await backend.execute(statement)
        await backend.execute(
            _runner_sql("record"), {"kind": kind, "version": version, "name": path.stem, "checksum": digest}
        )
        done.append(path.stem)
        logger.info("ClickHouse migration {}/{} applied", kind, path.name)
    backend.forget_table_names()
    return done


# --------------------------------------------------------------------------- PostgreSQL


def postgres_files(kind: str) -> list[tuple[int, str, str]]:
    """``(version, name, text)`` of each file of ``tfo_mcp/sql/postgres/<kind>/``, by version."""
    if not _KIND.fullmatch(kind):
        raise ValueError(f"invalid migration kind {kind!r}")
    folder = importlib_resources.files("tfo_mcp") / "sql" / "postgres" / kind
    if not folder.is_dir():
        raise ValueError(f"no PostgreSQL migrations of kind {kind!r} (tfo_mcp/sql/postgres/{kind}/ is missing)")
    found: dict[int, tuple[int, str, str]] = {}
    for entry in folder.iterdir():
        match = POSTGRES_FILE.match(entry.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"two {kind} migrations share version {version}: {found[version][1]}, {entry.name}")
        found[version] = (version, entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]
