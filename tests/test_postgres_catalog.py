"""pg_list_tables and pg_describe_table on a real schema; identifiers are bound, never pasted."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client

from tests.support.fixtures_postgres import PgDatabase
from tests.support.mcp_process import result_text
from tfo_mcp import server

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text
);
COMMENT ON TABLE shop.customers IS 'people who buy';
CREATE TABLE shop.orders (
    tenant_id int NOT NULL,
    order_no int NOT NULL,
    customer_id bigint NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped')),
    amount numeric(12, 2) NOT NULL DEFAULT 0,
    amount_cents bigint GENERATED ALWAYS AS ((amount * 100)::bigint) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, order_no)
);
COMMENT ON COLUMN shop.orders.status IS 'order life cycle';
CREATE INDEX orders_customer_idx ON shop.orders (customer_id);
CREATE INDEX orders_open_idx ON shop.orders (created_at) WHERE status <> 'shipped';
CREATE INDEX orders_email_lower_idx ON shop.orders (lower(status));
CREATE VIEW shop.paid_orders AS SELECT * FROM shop.orders WHERE status = 'paid';
CREATE MATERIALIZED VIEW shop.order_counts AS SELECT customer_id, count(*) AS n FROM shop.orders GROUP BY 1;
CREATE TABLE shop.events (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2024 PARTITION OF shop.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE shop."Mixed Case" (id int);
INSERT INTO shop.customers (email) SELECT 'c' || g || '@x.test' FROM generate_series(1, 300) g;
INSERT INTO shop.orders (tenant_id, order_no, customer_id, amount) SELECT 1, g, g, g FROM generate_series(1, 300) g;
ANALYZE shop.customers;
ANALYZE shop.orders;
"""


@pytest.fixture(scope="module", autouse=True)
async def shop(pg_db: PgDatabase) -> None:
    await pg_db.setup(SCHEMA)


@pytest.fixture
async def client(pg: PgDatabase) -> Any:
    async with Client(server.mcp) as connected:
        yield connected


async def _tool(client: Client, name: str, **args: Any) -> tuple[bool, str, dict[str, Any] | None]:
    result = await client.call_tool(name, args, raise_on_error=False)
    return result.is_error, result_text(result), result.structured_content


async def test_list_tables_of_a_schema(client: Client) -> None:
    is_error, text, data = await _tool(client, "pg_list_tables", schema="shop")
    assert not is_error, text
    assert data is not None and data["schema_name"] == "shop" and data["truncated"] is False
    tables = {t["name"]: t for t in data["tables"]}
    assert list(tables) == sorted(tables)
    assert tables["customers"]["type"] == "table" and tables["customers"]["comment"] == "people who buy"
    assert tables["customers"]["row_estimate"] == 300 and tables["customers"]["size_bytes"] > 8192
    assert tables["paid_orders"]["type"] == "view" and tables["paid_orders"]["size_bytes"] is None
    assert tables["order_counts"]["type"] == "materialized view"
    assert tables["events"]["type"] == "partitioned table" and tables["events_2024"]["type"] == "table"
    assert "Mixed Case" in tables


async def test_list_tables_defaults_to_public_and_refuses_unknown_schemas(client: Client) -> None:
    is_error, _, data = await _tool(client, "pg_list_tables")
    assert not is_error and data is not None and data["schema_name"] == "public" and data["tables"] == []
    for schema in ("nope", "shop' OR '1'='1", 'shop"; DROP SCHEMA shop CASCADE; --'):
        is_error, text, _ = await _tool(client, "pg_list_tables", schema=schema)
        assert is_error and "does not exist" in text


async def test_describe_table_with_keys_constraints_and_indexes(client: Client) -> None:
    is_error, text, data = await _tool(client, "pg_describe_table", table="orders", schema="shop")
    assert not is_error, text
    assert data is not None and data["type"] == "table" and data["row_estimate"] == 300 and data["size_bytes"] > 0
    columns = {c["name"]: c for c in data["columns"]}
    assert list(columns) == ["tenant_id", "order_no", "customer_id", "status", "amount", "amount_cents", "created_at"]
    assert columns["status"]["default"] == "'new'::text" and columns["status"]["nullable"] is False
    assert columns["status"]["comment"] == "order life cycle"
    assert columns["amount"]["type"] == "numeric(12,2)" and columns["created_at"]["type"] == "timestamp with time zone"
    assert columns["amount_cents"]["generated"] is not None and columns["amount_cents"]["default"] is None
    assert data["primary_key"] == ["tenant_id", "order_no"]
    (fk,) = data["foreign_keys"]
    assert fk["columns"] == ["customer_id"] and fk["referenced_schema"] == "shop"
    assert fk["referenced_table"] == "customers" and fk["referenced_columns"] == ["id"]
    assert fk["on_delete"] == "CASCADE" and fk["on_update"] == "NO ACTION"
    kinds = {c["type"] for c in data["constraints"]}
    assert {"primary key", "foreign key", "check"} <= kinds
    indexes = {i["name"]: i for i in data["indexes"]}
    assert indexes["orders_pkey"]["primary"] is True and indexes["orders_pkey"]["columns"] == ["tenant_id", "order_no"]
    assert indexes["orders_open_idx"]["predicate"] == "status <> 'shipped'::text"
    assert indexes["orders_email_lower_idx"]["columns"] == ["lower(status)"]
    assert indexes["orders_customer_idx"]["method"] == "btree" and indexes["orders_customer_idx"]["unique"] is False


async def test_describe_identity_unique_view_and_exact_names(client: Client) -> None:
    _, _, customers = await _tool(client, "pg_describe_table", table="customers", schema="shop")
    assert customers is not None
    assert customers["columns"][0]["identity"] == "always"
    assert any(c["type"] == "unique" and c["columns"] == ["email"] for c in customers["constraints"])
    _, _, view = await _tool(client, "pg_describe_table", table="paid_orders", schema="shop")
    assert view is not None and view["type"] == "view" and view["primary_key"] == [] and view["indexes"] == []
    is_error, text, mixed = await _tool(client, "pg_describe_table", table="Mixed Case", schema="shop")
    assert not is_error, text
    assert mixed is not None and [c["name"] for c in mixed["columns"]] == ["id"]


@pytest.mark.parametrize(
    ("table", "schema"),
    [
        ("nope", "shop"),
        ("ORDERS", "shop"),
        ("orders", "public"),
        ("orders'; DROP TABLE shop.orders; --", "shop"),
        ("orders", "shop' OR '1'='1"),
    ],
)
async def test_describe_unknown_table_is_a_clear_error(client: Client, pg: PgDatabase, table: str, schema: str) -> None:
    is_error, text, _ = await _tool(client, "pg_describe_table", table=table, schema=schema)
    assert is_error and f"table {schema}.{table} does not exist" in text
    assert await pg.scalar("SELECT count(*) FROM shop.orders") == 300
