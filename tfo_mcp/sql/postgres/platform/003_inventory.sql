-- TFO platform schema (PostgreSQL), part 3: inventory of Kubernetes objects, monitoring agents, the service map
-- and the network map. TFO's DDL is not public: columns are the union of what TFO's collector and its query
-- translator read; where their names differ the translator's wins (it maps onto the real tables):
-- kubernetes_version (not version), storage_class (not storage_class_name), agents.hostname / agent_version /
-- last_heartbeat_at (not host / version / last_heartbeat). Kubernetes child tables carry organization_id
-- bound to their cluster's by a composite foreign key, so a child can never be filed under another tenant.
-- kubernetes_services / _configmaps / _secrets / _hpas have no TFO counterpart: designed here. Secrets hold
-- metadata only (names of keys, type, rotation and expiry), never values.

-- status: healthy | degraded | unreachable | provisioning.
CREATE TABLE IF NOT EXISTS kubernetes_clusters (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    provider varchar(50) NOT NULL,
    region varchar(50),
    kubernetes_version varchar(50),
    status varchar(20) NOT NULL DEFAULT 'healthy',
    node_count integer NOT NULL DEFAULT 0,
    pod_count integer NOT NULL DEFAULT 0,
    namespace_count integer NOT NULL DEFAULT 0,
    api_server_endpoint text,
    labels jsonb NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    last_synced_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (id, organization_id)
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_clusters_organization_id ON kubernetes_clusters (organization_id);

CREATE TABLE IF NOT EXISTS kubernetes_namespaces (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    name varchar(255) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'Active',
    labels jsonb NOT NULL DEFAULT '{}',
    annotations jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE,
    UNIQUE (cluster_id, name)
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_namespaces_organization_id ON kubernetes_namespaces (organization_id);

-- status: Ready | NotReady | SchedulingDisabled; conditions: [{type, status, reason, message}].
CREATE TABLE IF NOT EXISTS kubernetes_nodes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    name varchar(255) NOT NULL,
    status varchar(30) NOT NULL DEFAULT 'Ready',
    roles text[] NOT NULL DEFAULT '{}',
    instance_type varchar(100),
    zone varchar(50),
    kubelet_version varchar(50),
    os_image varchar(255),
    container_runtime varchar(100),
    cpu_capacity numeric(10, 2),
    memory_capacity bigint,
    capacity jsonb NOT NULL DEFAULT '{}',
    allocatable jsonb NOT NULL DEFAULT '{}',
    labels jsonb NOT NULL DEFAULT '{}',
    taints jsonb NOT NULL DEFAULT '[]',
    conditions jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_nodes_organization_id ON kubernetes_nodes (organization_id);
CREATE INDEX IF NOT EXISTS idx_kubernetes_nodes_cluster_id ON kubernetes_nodes (cluster_id);

-- phase: Pending | Running | Succeeded | Failed | Unknown; status: the kubectl STATUS column (Running,
-- CrashLoopBackOff, ImagePullBackOff, OOMKilled, Completed, ...).
CREATE TABLE IF NOT EXISTS kubernetes_pods (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    node_id uuid REFERENCES kubernetes_nodes (id) ON DELETE SET NULL,
    name varchar(255) NOT NULL,
    owner_kind varchar(50),
    owner_name varchar(255),
    status varchar(50) NOT NULL DEFAULT 'Running',
    phase varchar(20) NOT NULL DEFAULT 'Running',
    restart_count integer NOT NULL DEFAULT 0,
    pod_ip varchar(45),
    qos_class varchar(20),
    labels jsonb NOT NULL DEFAULT '{}',
    annotations jsonb NOT NULL DEFAULT '{}',
    containers jsonb NOT NULL DEFAULT '[]',
    conditions jsonb NOT NULL DEFAULT '[]',
    started_at timestamptz,
    last_restart_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_pods_organization_id ON kubernetes_pods (organization_id);
CREATE INDEX IF NOT EXISTS idx_kubernetes_pods_cluster_id ON kubernetes_pods (cluster_id);

CREATE TABLE IF NOT EXISTS kubernetes_deployments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    replicas integer NOT NULL DEFAULT 1,
    ready_replicas integer NOT NULL DEFAULT 0,
    available_replicas integer NOT NULL DEFAULT 0,
    unavailable_replicas integer NOT NULL DEFAULT 0,
    updated_replicas integer NOT NULL DEFAULT 0,
    strategy varchar(30) NOT NULL DEFAULT 'RollingUpdate',
    image text,
    revision integer NOT NULL DEFAULT 1,
    last_rollout_at timestamptz,
    labels jsonb NOT NULL DEFAULT '{}',
    annotations jsonb NOT NULL DEFAULT '{}',
    selector jsonb NOT NULL DEFAULT '{}',
    conditions jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_deployments_organization_id ON kubernetes_deployments (organization_id);
CREATE INDEX IF NOT EXISTS idx_kubernetes_deployments_cluster_id ON kubernetes_deployments (cluster_id);

-- phase: Available | Bound | Released | Failed | Pending. capacity: {"storage": "100Gi"}.
CREATE TABLE IF NOT EXISTS kubernetes_persistent_volumes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    name varchar(255) NOT NULL,
    capacity jsonb NOT NULL DEFAULT '{}',
    access_modes text[] NOT NULL DEFAULT '{}',
    reclaim_policy varchar(20),
    storage_class varchar(100),
    phase varchar(20) NOT NULL DEFAULT 'Bound',
    claim_namespace varchar(255),
    claim_name varchar(255),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_persistent_volumes_organization_id ON kubernetes_persistent_volumes (organization_id);

CREATE TABLE IF NOT EXISTS kubernetes_persistent_volume_claims (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    volume_name varchar(255),
    storage_class varchar(100),
    requested_storage varchar(50),
    phase varchar(20) NOT NULL DEFAULT 'Bound',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_pvcs_organization_id ON kubernetes_persistent_volume_claims (organization_id);

-- type: ClusterIP | NodePort | LoadBalancer | ExternalName. ready_endpoints < endpoint_count means some
-- backing pods are not ready; endpoint_count = 0 is a service with nothing behind it.
CREATE TABLE IF NOT EXISTS kubernetes_services (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    type varchar(20) NOT NULL DEFAULT 'ClusterIP',
    cluster_ip varchar(45),
    external_ips text[] NOT NULL DEFAULT '{}',
    ports jsonb NOT NULL DEFAULT '[]',
    selector jsonb NOT NULL DEFAULT '{}',
    endpoint_count integer NOT NULL DEFAULT 0,
    ready_endpoints integer NOT NULL DEFAULT 0,
    labels jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_services_organization_id ON kubernetes_services (organization_id);

-- ConfigMaps: keys and size only (values stay in the cluster); used_by lists the workloads mounting it.
CREATE TABLE IF NOT EXISTS kubernetes_configmaps (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    data_keys text[] NOT NULL DEFAULT '{}',
    data_size_bytes integer NOT NULL DEFAULT 0,
    immutable boolean NOT NULL DEFAULT false,
    used_by text[] NOT NULL DEFAULT '{}',
    resource_version varchar(50),
    labels jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_configmaps_organization_id ON kubernetes_configmaps (organization_id);

-- Secrets: metadata only. type: Opaque | kubernetes.io/tls | kubernetes.io/dockerconfigjson | ...,
-- expires_at for certificates, last_rotated_at for rotation hygiene.
CREATE TABLE IF NOT EXISTS kubernetes_secrets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    type varchar(100) NOT NULL DEFAULT 'Opaque',
    data_keys text[] NOT NULL DEFAULT '{}',
    immutable boolean NOT NULL DEFAULT false,
    used_by text[] NOT NULL DEFAULT '{}',
    managed_by varchar(100),
    last_rotated_at timestamptz,
    expires_at timestamptz,
    labels jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_secrets_organization_id ON kubernetes_secrets (organization_id);

-- HorizontalPodAutoscalers. current_replicas = max_replicas with utilisation above target means the autoscaler
-- is pinned at its ceiling; conditions as reported (AbleToScale, ScalingActive, ScalingLimited).
CREATE TABLE IF NOT EXISTS kubernetes_hpas (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    cluster_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    namespace_id uuid REFERENCES kubernetes_namespaces (id) ON DELETE CASCADE,
    name varchar(255) NOT NULL,
    target_kind varchar(50) NOT NULL DEFAULT 'Deployment',
    target_name varchar(255) NOT NULL,
    min_replicas integer NOT NULL DEFAULT 1,
    max_replicas integer NOT NULL,
    current_replicas integer NOT NULL DEFAULT 0,
    desired_replicas integer NOT NULL DEFAULT 0,
    target_cpu_utilization integer,
    current_cpu_utilization integer,
    metrics jsonb NOT NULL DEFAULT '[]',
    conditions jsonb NOT NULL DEFAULT '[]',
    last_scale_time timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (cluster_id, organization_id) REFERENCES kubernetes_clusters (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_kubernetes_hpas_organization_id ON kubernetes_hpas (organization_id);

-- Monitoring agents (one per host / VM). The ClickHouse vm_metrics.vm_id is this id.
-- type: host | vm | container | kubernetes; status: healthy | degraded | offline.
CREATE TABLE IF NOT EXISTS agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    workspace_id uuid REFERENCES workspaces (workspace_id),
    name varchar(255) NOT NULL,
    type varchar(20) NOT NULL DEFAULT 'host',
    hostname varchar(255) NOT NULL,
    ip_address varchar(45),
    os varchar(100),
    platform varchar(100),
    region varchar(50),
    status varchar(20) NOT NULL DEFAULT 'healthy',
    agent_version varchar(50),
    cpu_cores integer,
    memory_bytes bigint,
    disk_bytes bigint,
    last_heartbeat_at timestamptz,
    metadata jsonb NOT NULL DEFAULT '{}',
    capabilities text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX IF NOT EXISTS idx_agents_organization_id ON agents (organization_id);

-- type: api | web | worker | gateway | database | cache | queue | external; status: healthy | degraded | down.
-- service_map_metrics.service_id (ClickHouse) is this id.
CREATE TABLE IF NOT EXISTS service_map_services (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    type varchar(20) NOT NULL DEFAULT 'api',
    status varchar(20) NOT NULL DEFAULT 'healthy',
    environment varchar(50) NOT NULL DEFAULT 'production',
    version varchar(50),
    endpoint text,
    namespace varchar(255),
    owner_team varchar(100),
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (id, organization_id)
);
CREATE INDEX IF NOT EXISTS idx_service_map_services_organization_id ON service_map_services (organization_id);

-- type: http | grpc | database | cache | queue; error_rate a percentage, latency_ms p95 over the last sync.
CREATE TABLE IF NOT EXISTS service_map_dependencies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    source_service_id uuid NOT NULL,
    target_service_id uuid NOT NULL,
    type varchar(20) NOT NULL DEFAULT 'http',
    status varchar(20) NOT NULL DEFAULT 'healthy',
    protocol varchar(20),
    latency_ms double precision,
    error_rate double precision,
    request_rate double precision,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (source_service_id, organization_id) REFERENCES service_map_services (id, organization_id) ON DELETE CASCADE,
    FOREIGN KEY (target_service_id, organization_id) REFERENCES service_map_services (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_service_map_dependencies_organization_id ON service_map_dependencies (organization_id);

-- type: host | router | switch | load_balancer | firewall | dns | database | gateway | external.
-- network_map_traffic.node_id (ClickHouse) is this id.
CREATE TABLE IF NOT EXISTS network_map_nodes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (organization_id),
    name varchar(255) NOT NULL,
    type varchar(30) NOT NULL DEFAULT 'host',
    status varchar(20) NOT NULL DEFAULT 'healthy',
    ip_address varchar(45),
    hostname varchar(255),
    port integer,
    region varchar(50),
    namespace varchar(255),
    cluster varchar(255),
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    UNIQUE (id, organization_id)
);
CREATE INDEX IF NOT EXISTS idx_network_map_nodes_organization_id ON network_map_nodes (organization_id);

CREATE TABLE IF NOT EXISTS network_map_connections (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL,
    source_node_id uuid NOT NULL,
    target_node_id uuid NOT NULL,
    type varchar(30) NOT NULL DEFAULT 'tcp',
    status varchar(20) NOT NULL DEFAULT 'healthy',
    protocol varchar(20),
    source_port integer,
    target_port integer,
    latency double precision,
    bandwidth_mbps double precision,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    FOREIGN KEY (source_node_id, organization_id) REFERENCES network_map_nodes (id, organization_id) ON DELETE CASCADE,
    FOREIGN KEY (target_node_id, organization_id) REFERENCES network_map_nodes (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_network_map_connections_organization_id ON network_map_connections (organization_id);
