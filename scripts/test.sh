#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, starts the servers the tests use.
#   bash scripts/test.sh [pytest args...]
# Real PostgreSQL: TFO_TEST_POSTGRES_URL if set, else the tests start a throwaway server (needs the
# postgresql binaries). Real ClickHouse: embedded chDB, plus Debian's clickhouse-server for the native
# path (TFO_TEST_CLICKHOUSE_URL if set, else the tests start one). A missing server fails, never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
if [ -z "${TFO_TEST_CLICKHOUSE_URL:-}" ] && ! command -v clickhouse-server >/dev/null 2>&1 \
    && [ ! -x /usr/bin/clickhouse-server ]; then
  need_apt+=(clickhouse-server clickhouse-client)
fi
if [ -z "${TFO_TEST_POSTGRES_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing ${need_apt[*]}: run as root or install them (apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
  echo "installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi

source scripts/uv.sh
uv sync --frozen --all-extras --quiet

export TFO_TEST_STRICT=1
exec uv run --frozen --all-extras pytest "$@"
