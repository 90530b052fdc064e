-- TFO platform schema (PostgreSQL), part 4: database inventory (instances, monitoring rules, tags, Aurora
-- topology, SQL Server instances) and security posture (vulnerabilities, incidents, compliance controls).
-- Database inventory columns are those TFO's collector reads (DDL not public); the security tables have no
-- TFO counterpart (reference 3.3 "none") and are designed here.

-- type: mysql | mariadb | percona | postgresql | mssql | mongodb | aurora-mysql | aurora-postgresql | clickhouse |
-- redis | sqlite3 | timescaledb | cockroachdb | dynamodb; status: online | offline | degraded | unknown | maintenance.
-- The ClickHouse db_* tables' instance_id is this id.
CREATE TABLE IF NOT EXISTS database_instances (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    type varchar(30) NOT NULL,
    host varchar(255) NOT NULL,
    port integer NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'unknown',
    provider varchar(50) NOT NULL DEFAULT 'self-hosted',
    version varchar(50),
    environment varchar(50) NOT NULL DEFAULT 'production',
    role varchar(20) NOT NULL DEFAULT 'primary',
    replication_source_id uuid REFERENCES database_instances (id) ON DELETE SET NULL,
    max_connections integer,
    storage_bytes bigint,
    last_error text,
    last_seen_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_database_instances_organization_id ON database_instances (organization_id);

CREATE TABLE IF NOT EXISTS database_monitoring_rules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    instance_id uuid REFERENCES database_instances (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    metric_name varchar(255) NOT NULL,
    operator varchar(5) NOT NULL DEFAULT '>',
    threshold double precision NOT NULL,
    severity varchar(20) NOT NULL DEFAULT 'warning',
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_database_monitoring_rules_organization_id ON database_monitoring_rules (organization_id);

-- Tags are scoped through their instance (JOIN database_instances).
CREATE TABLE IF NOT EXISTS database_instance_tags (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_id uuid NOT NULL REFERENCES database_instances (id) ON DELETE CASCADE,
    key varchar(100) NOT NULL,
    value varchar(255) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (instance_id, key)
);

CREATE TABLE IF NOT EXISTS aurora_cluster_topology (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    database_instance_id uuid REFERENCES database_instances (id) ON DELETE SET NULL,
    cluster_identifier varchar(255) NOT NULL,
    engine_type varchar(30) NOT NULL,
    engine_version varchar(50),
    cluster_status varchar(30) NOT NULL DEFAULT 'available',
    writer_instance_id varchar(255),
    reader_instance_ids text[] NOT NULL DEFAULT '{}',
    is_serverless_v2 boolean NOT NULL DEFAULT false,
    min_acu numeric(6, 1),
    max_acu numeric(6, 1),
    is_global_database boolean NOT NULL DEFAULT false,
    last_topology_sync_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_aurora_cluster_topology_organization_id ON aurora_cluster_topology (organization_id);

-- Scoped through the topology row. role: writer | reader.
CREATE TABLE IF NOT EXISTS aurora_instance_status (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_topology_id uuid NOT NULL REFERENCES aurora_cluster_topology (id) ON DELETE CASCADE,
    instance_identifier varchar(255) NOT NULL,
    role varchar(10) NOT NULL,
    instance_class varchar(50),
    availability_zone varchar(30),
    status varchar(30) NOT NULL DEFAULT 'available',
    is_serverless_v2 boolean NOT NULL DEFAULT false,
    current_acu numeric(6, 1),
    replica_lag_ms double precision,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_aurora_instance_status_topology ON aurora_instance_status (cluster_topology_id);

CREATE TABLE IF NOT EXISTS mssql_instances (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    database_instance_id uuid REFERENCES database_instances (id) ON DELETE SET NULL,
    name varchar(255) NOT NULL,
    host varchar(255) NOT NULL,
    port integer NOT NULL DEFAULT 1433,
    edition varchar(100),
    product_version varchar(50),
    engine_edition varchar(50),
    status varchar(20) NOT NULL DEFAULT 'online',
    last_seen_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_mssql_instances_organization_id ON mssql_instances (organization_id);

-- Scanner findings. severity: critical | high | medium | low; status: open | in_progress | fixed | accepted |
-- false_positive; resource_type: container_image | host | dependency | cloud_resource.
CREATE TABLE IF NOT EXISTS security_vulnerabilities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    cve_id varchar(30),
    title varchar(500) NOT NULL,
    description text,
    severity varchar(10) NOT NULL,
    cvss_score numeric(3, 1),
    package_name varchar(255),
    installed_version varchar(100),
    fixed_version varchar(100),
    resource_type varchar(30) NOT NULL,
    resource_name varchar(255) NOT NULL,
    service_name varchar(255),
    scanner varchar(50),
    exploit_available boolean NOT NULL DEFAULT false,
    status varchar(20) NOT NULL DEFAULT 'open',
    first_seen_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    due_at timestamptz,
    fixed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_security_vulnerabilities_organization_id ON security_vulnerabilities (organization_id, status);

-- Security incidents under investigation. severity: critical | high | medium | low,
-- status: open | investigating | contained | resolved | closed; source: security_event | alert | audit | manual.
CREATE TABLE IF NOT EXISTS security_incidents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    title varchar(500) NOT NULL,
    description text,
    severity varchar(10) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'open',
    category varchar(50),
    source varchar(30),
    source_ref varchar(100),
    affected_services text[] NOT NULL DEFAULT '{}',
    affected_users integer NOT NULL DEFAULT 0,
    assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
    detected_at timestamptz NOT NULL,
    acknowledged_at timestamptz,
    contained_at timestamptz,
    resolved_at timestamptz,
    timeline jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_security_incidents_organization_id ON security_incidents (organization_id, detected_at);

-- Compliance controls per framework (SOC2, ISO27001, GDPR, PCI-DSS, HIPAA).
-- status: passing | failing | not_applicable | unknown.
CREATE TABLE IF NOT EXISTS compliance_controls (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    framework varchar(30) NOT NULL,
    control_id varchar(50) NOT NULL,
    title varchar(500) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'unknown',
    evidence text,
    owner varchar(100),
    last_assessed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (organization_id, framework, control_id)
);
CREATE INDEX IF NOT EXISTS idx_compliance_controls_organization_id ON compliance_controls (organization_id);
