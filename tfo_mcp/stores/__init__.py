"""The stores layer: ClickHouse and PostgreSQL as the server reaches them, below every capability.

- :mod:`~tfo_mcp.stores.clickhouse`: the configured ClickHouse (selection, start and stop, health, the
  analytics schema); :mod:`~tfo_mcp.stores.clickhouse_backend` the interface both backends speak,
  :mod:`~tfo_mcp.stores.clickhouse_native` and :mod:`~tfo_mcp.stores.chdb` the backends,
  :mod:`~tfo_mcp.stores.sql_guard` the SQL renderer and read-query guard;
- :mod:`~tfo_mcp.stores.postgres`: the PostgreSQL pools, the read-only transaction, the session records and
  conversations;
- :mod:`~tfo_mcp.stores.migrations`: the versioned SQL files of both stores and how they are applied;
- :mod:`~tfo_mcp.stores.background`: the bounded queue with one background writer that the session records
  and the analytics recorder share.

Nothing here imports the server, a tool, a collector or the analytics recorder.
"""
