-- TFO platform schema (PostgreSQL), part 2: alerting, notification channels, reports, SLOs, uptime monitors,
-- remediation plans. See 001 for the column-naming policy (core migrations win over the collector's guesses).

CREATE TABLE IF NOT EXISTS alert_rules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    description text,
    severity varchar(20) NOT NULL DEFAULT 'warning',
    conditions jsonb NOT NULL DEFAULT '[]',
    notification_channels jsonb NOT NULL DEFAULT '[]',
    labels jsonb NOT NULL DEFAULT '{}',
    annotations jsonb NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    state varchar(20) NOT NULL DEFAULT 'ok',
    evaluation_interval varchar(20) NOT NULL DEFAULT '1m',
    for_duration varchar(20) NOT NULL DEFAULT '5m',
    mute_timings jsonb NOT NULL DEFAULT '[]',
    query_language varchar(20),
    query_string text,
    parsed_ast jsonb,
    query_target varchar(50),
    source_type varchar(50),
    last_evaluated_at timestamptz,
    last_triggered_at timestamptz,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_alert_rules_organization_id ON alert_rules (organization_id);

-- status: firing | acknowledged | resolved | silenced.
CREATE TABLE IF NOT EXISTS alert_instances (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    alert_rule_id uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    status varchar(20) NOT NULL DEFAULT 'firing',
    severity varchar(20) NOT NULL DEFAULT 'warning',
    title varchar(500) NOT NULL,
    description text,
    current_value double precision,
    threshold double precision,
    labels jsonb NOT NULL DEFAULT '{}',
    annotations jsonb NOT NULL DEFAULT '{}',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz,
    acknowledged_at timestamptz,
    acknowledged_by uuid,
    acknowledge_comment text,
    resolved_at timestamptz,
    resolved_by uuid,
    resolution text,
    notifications_sent jsonb NOT NULL DEFAULT '[]',
    fingerprint varchar(64),
    silenced_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_alert_instances_organization_id ON alert_instances (organization_id, starts_at);
CREATE INDEX IF NOT EXISTS idx_alert_instances_alert_rule_id ON alert_instances (alert_rule_id);

-- type: email | slack | pagerduty | webhook | teams | opsgenie | telegram.
CREATE TABLE IF NOT EXISTS notification_channels (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    description text,
    type varchar(50) NOT NULL,
    config jsonb NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    send_resolved boolean NOT NULL DEFAULT true,
    send_reminder boolean NOT NULL DEFAULT false,
    reminder_interval varchar(20),
    metadata jsonb NOT NULL DEFAULT '{}',
    last_used_at timestamptz,
    last_error text,
    error_count integer NOT NULL DEFAULT 0,
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_notification_channels_organization_id ON notification_channels (organization_id);

-- type: sla | slo | incident | capacity | cost | security | executive; schedule: cron text or 'manual'.
CREATE TABLE IF NOT EXISTS report_definitions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    description text,
    type varchar(50) NOT NULL,
    schedule varchar(100) NOT NULL DEFAULT 'manual',
    format varchar(20) NOT NULL DEFAULT 'pdf',
    recipients jsonb NOT NULL DEFAULT '[]',
    config jsonb NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_report_definitions_organization_id ON report_definitions (organization_id);

-- status: queued | running | completed | failed. organization_id repeats the definition's (TFO filters on it).
CREATE TABLE IF NOT EXISTS report_executions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_definition_id uuid NOT NULL REFERENCES report_definitions (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    status varchar(20) NOT NULL DEFAULT 'queued',
    trigger varchar(20) NOT NULL DEFAULT 'schedule',
    started_at timestamptz NOT NULL,
    completed_at timestamptz,
    duration_ms integer,
    output_url text,
    output_size_bytes bigint,
    error_message text,
    summary jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_report_executions_organization_id ON report_executions (organization_id, started_at);
CREATE INDEX IF NOT EXISTS idx_report_executions_definition_id ON report_executions (report_definition_id);

-- Service level objectives (no TFO table). sli_type: availability (from uptime checks or request success),
-- latency (share of requests under latency_threshold_ms), error_rate. target_percent e.g. 99.9 over window_days.
-- The error budget is (100 - target_percent) of the window; its consumption is computed from telemetry.
CREATE TABLE IF NOT EXISTS slo_definitions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    description text,
    service_name varchar(255) NOT NULL,
    sli_type varchar(20) NOT NULL CHECK (sli_type IN ('availability', 'latency', 'error_rate', 'throughput')),
    target_percent numeric(6, 3) NOT NULL CHECK (target_percent > 0 AND target_percent < 100),
    window_days integer NOT NULL DEFAULT 30 CHECK (window_days > 0),
    latency_threshold_ms integer,
    monitor_id uuid,
    alert_rule_id uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
    owner_team varchar(100),
    labels jsonb NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_slo_definitions_organization_id ON slo_definitions (organization_id);

-- Synthetic monitors whose results are ClickHouse uptime_checks (monitor_id = id::text).
-- type: http | https | tcp | icmp | dns; status: up | down | degraded | paused.
CREATE TABLE IF NOT EXISTS uptime_monitors (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    type varchar(20) NOT NULL DEFAULT 'https',
    url text NOT NULL,
    method varchar(10) NOT NULL DEFAULT 'GET',
    interval_seconds integer NOT NULL DEFAULT 60,
    timeout_ms integer NOT NULL DEFAULT 10000,
    expected_status integer NOT NULL DEFAULT 200,
    regions text[] NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    status varchar(20) NOT NULL DEFAULT 'up',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_uptime_monitors_organization_id ON uptime_monitors (organization_id);

-- trigger_type: anomaly | alert | prediction | manual; status: proposed | approved | executing | completed |
-- failed | rejected; risk_level: low | medium | high. actions: ordered JSON steps.
CREATE TABLE IF NOT EXISTS remediation_plans (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    trigger_type varchar(20) NOT NULL,
    trigger_id varchar(100),
    title varchar(500) NOT NULL,
    description text,
    status varchar(20) NOT NULL DEFAULT 'proposed',
    risk_level varchar(10) NOT NULL DEFAULT 'low',
    actions jsonb NOT NULL DEFAULT '[]',
    affected_resources text[] NOT NULL DEFAULT '{}',
    created_by varchar(100),
    approved_by uuid,
    approved_at timestamptz,
    executed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_remediation_plans_organization_id ON remediation_plans (organization_id);
