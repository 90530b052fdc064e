-- TFO platform schema (PostgreSQL), part 1: tenancy, subscription, IAM, sessions, API keys, SSO, data governance.
--
-- Which side we follow where TFO's ContextCollector and TFO's own migrations disagree (reference section 2):
-- the MIGRATIONS, i.e. what a real TFO deployment has, because a collector must run against that database.
-- TFO's collector silently gets no rows there (its PG helper swallows errors), which is the failure to avoid.
-- Concretely:
--   * users keeps core's camelCase columns ("firstName", "lastName", "isActive", "lastLoginAt", "deletedAt", ...)
--     and mfa_enabled (not is_mfa_enabled); there is no status column,
--   * organizations and workspaces have their tenancy primary keys organization_id / workspace_id, no
--     plan / region / status columns (region_id references regions; is_active instead of status),
--   * roles and permissions are global (no organization_id): an organization's roles are the ones assigned
--     to its users (user_roles -> users.organization_id),
--   * sso_providers.enabled (not is_enabled); user_sessions.last_activity_at, no user_agent column,
--   * notification_channels (alerting module) without verified / last_tested_at / deleted_at,
--   * api_keys, alert_rules without deleted_at (api keys are revoked: revoked_at),
--   * retention_policies.organization_id is nullable: NULL rows are the platform-wide defaults.
-- Where TFO's DDL is not public (plans, report_*, kubernetes_*, agents, service/network map, remediation_plans,
-- database inventory) the columns are the union of what TFO's collector and query translator read.
-- Designed here (no TFO source): subscriptions (links an organization to its plan), slo_definitions,
-- uptime_monitors, kubernetes_services / _configmaps / _secrets / _hpas, security_vulnerabilities,
-- security_incidents, compliance_controls.
-- Secret material is never stored in these tables (no client_secret, private_key, mfa_secret, encrypted api
-- keys, session tokens): only hints and hashes, as a collector must never be able to read a secret.
-- Every organization-level table carries organization_id (indexed); child rows are scoped through their
-- parent (user_sessions -> users, tenants -> workspaces, ...), Kubernetes child tables also carry
-- organization_id with a composite foreign key to their cluster so it cannot disagree with the parent.
-- Idempotent: CREATE ... IF NOT EXISTS only.

CREATE TABLE IF NOT EXISTS regions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code varchar(50) NOT NULL UNIQUE,
    name varchar(255) NOT NULL,
    description text,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE IF NOT EXISTS organizations (
    organization_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    code varchar(100) NOT NULL UNIQUE,
    description text,
    domain varchar(255),
    region_id uuid REFERENCES regions (id),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE IF NOT EXISTS workspaces (
    workspace_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    code varchar(100) NOT NULL,
    description text,
    is_active boolean NOT NULL DEFAULT true,
    datasource_config jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (organization_id, code)
);
CREATE INDEX IF NOT EXISTS idx_workspaces_organization_id ON workspaces (organization_id);

CREATE TABLE IF NOT EXISTS tenants (
    tenant_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    code varchar(100) NOT NULL,
    description text,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (workspace_id, code)
);
CREATE INDEX IF NOT EXISTS idx_tenants_workspace_id ON tenants (workspace_id);

-- Global plan catalog (type: free | starter | growth | enterprise).
CREATE TABLE IF NOT EXISTS plans (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    type varchar(50) NOT NULL UNIQUE,
    description text,
    is_active boolean NOT NULL DEFAULT true,
    trial_days integer NOT NULL DEFAULT 0,
    price_monthly_usd numeric(12, 2) NOT NULL DEFAULT 0,
    features text[] NOT NULL DEFAULT '{}',
    limits jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- status: trialing | active | past_due | canceled.
CREATE TABLE IF NOT EXISTS subscriptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    plan_id uuid NOT NULL REFERENCES plans (id),
    status varchar(20) NOT NULL DEFAULT 'active',
    seats integer NOT NULL DEFAULT 1,
    billing_email varchar(255),
    current_period_start timestamptz NOT NULL,
    current_period_end timestamptz NOT NULL,
    trial_ends_at timestamptz,
    canceled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_subscriptions_organization_id ON subscriptions (organization_id);

CREATE TABLE IF NOT EXISTS users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email varchar(255) NOT NULL UNIQUE,
    "firstName" varchar(100) NOT NULL,
    "lastName" varchar(100) NOT NULL,
    "isActive" boolean NOT NULL DEFAULT true,
    "emailVerified" boolean NOT NULL DEFAULT false,
    "lastLoginAt" timestamptz,
    "loginCount" integer NOT NULL DEFAULT 0,
    "failedLoginAttempts" integer NOT NULL DEFAULT 0,
    "lockedUntil" timestamptz,
    "isOrganizationCreator" boolean NOT NULL DEFAULT false,
    "createdAt" timestamptz NOT NULL DEFAULT now(),
    "updatedAt" timestamptz NOT NULL DEFAULT now(),
    "deletedAt" timestamptz,
    organization_id uuid REFERENCES organizations (organization_id),
    tenant_id uuid REFERENCES tenants (tenant_id),
    mfa_enabled boolean NOT NULL DEFAULT false,
    mfa_enrolled_at timestamptz,
    mfa_last_used_at timestamptz,
    mfa_failure_count integer NOT NULL DEFAULT 0,
    mfa_locked_until timestamptz,
    force_password_change boolean NOT NULL DEFAULT false,
    recovery_email varchar(255),
    email_verified_at timestamptz,
    profile_completed_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_users_organization_id ON users (organization_id);

CREATE TABLE IF NOT EXISTS roles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL UNIQUE,
    description text,
    is_system boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS permissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(150) NOT NULL UNIQUE,
    description text,
    resource varchar(100) NOT NULL,
    action varchar(50) NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS role_permissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (role_id, permission_id)
);

CREATE TABLE IF NOT EXISTS user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    tenant_id uuid REFERENCES tenants (tenant_id),
    assigned_by uuid,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX IF NOT EXISTS idx_user_roles_role_id ON user_roles (role_id);

CREATE TABLE IF NOT EXISTS user_permissions (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    granted_by uuid,
    granted_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    PRIMARY KEY (user_id, permission_id)
);

CREATE TABLE IF NOT EXISTS user_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name varchar(255),
    device_type varchar(50),
    browser varchar(100),
    browser_version varchar(50),
    os varchar(100),
    os_version varchar(50),
    ip_address varchar(45),
    location jsonb,
    remember_me boolean NOT NULL DEFAULT false,
    is_current boolean NOT NULL DEFAULT false,
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    terminated_at timestamptz,
    terminated_reason varchar(100)
);
CREATE INDEX IF NOT EXISTS idx_user_sessions_user_id ON user_sessions (user_id);

-- key_type: standard | service | admin | ingest (an enum type in core; varchar here keeps the file idempotent).
CREATE TABLE IF NOT EXISTS api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    api_key_id varchar(64),
    name varchar(255) NOT NULL,
    description text,
    key_type varchar(20) NOT NULL DEFAULT 'standard' CHECK (key_type IN ('standard', 'service', 'admin', 'ingest')),
    key_prefix varchar(16) NOT NULL,
    key_hash varchar(128) NOT NULL,
    key_hint varchar(16) NOT NULL,
    permissions jsonb NOT NULL DEFAULT '[]',
    scopes jsonb NOT NULL DEFAULT '[]',
    rate_limit integer,
    is_active boolean NOT NULL DEFAULT true,
    is_system boolean NOT NULL DEFAULT false,
    expires_at timestamptz,
    last_used_at timestamptz,
    last_used_ip varchar(45),
    usage_count bigint NOT NULL DEFAULT 0,
    created_by uuid,
    revoked_at timestamptz,
    revoked_by uuid,
    revocation_reason text,
    rotated_at timestamptz,
    rotated_by uuid,
    rotation_count integer NOT NULL DEFAULT 0,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_api_keys_organization_id ON api_keys (organization_id);

CREATE TABLE IF NOT EXISTS sso_providers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    provider_type varchar(20) NOT NULL,
    provider_name varchar(100),
    enabled boolean NOT NULL DEFAULT true,
    client_id varchar(255),
    authorization_url text,
    token_url text,
    user_info_url text,
    scopes text,
    entity_id text,
    sso_url text,
    slo_url text,
    certificate text,
    signature_algorithm varchar(50),
    callback_url text,
    allowed_domains text[] NOT NULL DEFAULT '{}',
    auto_create_users boolean NOT NULL DEFAULT false,
    default_role_id uuid REFERENCES roles (id),
    attribute_mapping jsonb NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_sso_providers_organization_id ON sso_providers (organization_id);

CREATE TABLE IF NOT EXISTS data_masking_policies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    description text,
    is_enabled boolean NOT NULL DEFAULT true,
    rules jsonb NOT NULL DEFAULT '[]',
    created_by uuid,
    updated_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_data_masking_policies_organization_id ON data_masking_policies (organization_id);

-- data_type: metrics | logs | traces | exemplars | alerts | uptime | audit_logs | kubernetes_metrics | llm_usage_raw
-- | network_map_connection_metrics | network_map_traffic | service_map_metrics | signal_correlations | vm_metrics.
CREATE TABLE IF NOT EXISTS retention_policies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    description text,
    data_type varchar(64) NOT NULL,
    retention_days integer NOT NULL CHECK (retention_days > 0),
    archive_enabled boolean NOT NULL DEFAULT false,
    archive_destination text,
    filters jsonb NOT NULL DEFAULT '{}',
    is_default boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    last_enforced_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_retention_policies_organization_id ON retention_policies (organization_id);

CREATE TABLE IF NOT EXISTS llm_providers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    provider_type varchar(50) NOT NULL,
    api_key_hint varchar(16),
    base_url text,
    model_id varchar(255),
    is_default boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    last_used_at timestamptz,
    usage_count bigint NOT NULL DEFAULT 0,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_llm_providers_organization_id ON llm_providers (organization_id);
