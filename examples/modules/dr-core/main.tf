# The trdr part of the two-region DR platform: data tier in both regions, the global database,
# the failover runbooks and watchers, and the readiness report. README.md lists its inputs and
# outputs; examples/basic/ consumes it on its own; examples/sandbox/ applies it against the local
# sandbox (the test suite runs that); examples/two-region-dr/ wires it to real AWS resources.

resource "trdr_regional_stack" "primary" {
  name               = var.name
  environment_suffix = var.environment_suffix
  region             = var.primary_region
  force_destroy      = var.force_destroy

  session_table {
    consistency = var.session_consistency
  }
}

# With STRONG sessions the secondary builds the multi-Region strongly consistent global table:
# its replica and a witness in the third region of the pair's set (us-west-2 for us-east-1 and
# us-east-2), so a region loss loses no committed session.
resource "trdr_regional_stack" "secondary" {
  name                 = var.name
  environment_suffix   = var.environment_suffix
  region               = var.secondary_region
  replica_of           = trdr_regional_stack.primary.id
  replication_role_arn = var.replication_role_arn
  force_destroy        = var.force_destroy

  session_table {
    consistency    = var.session_consistency
    witness_region = var.session_consistency == "STRONG" ? var.session_witness_region : null
  }
}

resource "trdr_global_database" "trading" {
  name               = var.name
  environment_suffix = var.environment_suffix
  engine_version     = var.engine_version
  database_name      = var.name
  master_username    = "dbadmin"
  max_rpo_seconds    = var.max_rpo_seconds

  serverless_v2 {
    min_capacity = 0.5
    max_capacity = 16
  }

  primary {
    region                 = var.primary_region
    db_subnet_group_name   = var.database.primary_subnet_group
    vpc_security_group_ids = var.database.primary_security_groups
    instance_count         = 2
  }

  secondary {
    region                 = var.secondary_region
    db_subnet_group_name   = var.database.secondary_subnet_group
    vpc_security_group_ids = var.database.secondary_security_groups
    instance_count         = 1
  }
}

resource "trdr_failover_orchestrator" "trading" {
  name                   = var.name
  environment_suffix     = var.environment_suffix
  global_database_id     = trdr_global_database.trading.id
  execution_role_arn     = var.failover_role_arn
  notification_topic_arn = var.alerts_topic_arn
  regional_stack_ids     = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]

  dns {
    zone_id     = var.zone_id
    record_name = var.record_name
    ttl         = 60
  }

  primary_endpoint {
    fqdn        = var.primary_endpoint
    health_path = var.health_path
  }

  secondary_endpoint {
    fqdn        = var.secondary_endpoint
    health_path = var.health_path
  }

  health_check {
    request_interval  = 10
    failure_threshold = 3
  }

  # The one automatic way to fail over: a watcher in each region fails over to it when the other
  # region's writer stays down, guarded (pause, optional approval, failure window, own-endpoint and
  # partition checks; see the failover guide). Nothing else in the platform may start a runbook in
  # failover mode.
  dynamic "automatic_failover" {
    for_each = var.automatic_failover ? [1] : []
    content {
      failure_window_seconds   = var.failure_window_seconds
      paused                   = var.watchers_paused
      approval_timeout_seconds = var.approval_timeout_seconds
      approval_on_timeout      = var.approval_timeout_seconds == null ? null : var.approval_on_timeout
    }
  }

  dynamic "automatic_failback" {
    for_each = var.automatic_failover && var.automatic_failback ? [1] : []
    content {
      healthy_window_seconds = var.failback_window_seconds
    }
  }

  # What trdr controls (detection, runbook overhead, DNS TTL) plus AWS's promotion, which AWS
  # documents as taking minutes; null takes the provider's default, which covers both.
  rto_target_seconds = var.rto_target_seconds
}

data "trdr_failover_readiness" "trading" {
  global_database_id = trdr_global_database.trading.id
  orchestrator_id    = trdr_failover_orchestrator.trading.id
  regional_stack_ids = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]
  max_drill_age      = var.max_drill_age
}

# `terraform plan` and `apply` warn (they do not fail) when the topology cannot fail over now,
# naming each failed check.
check "failover_ready" {
  assert {
    condition = data.trdr_failover_readiness.trading.ready
    error_message = join("\n", concat(["The DR topology is not ready to fail over:"], [
      for c in data.trdr_failover_readiness.trading.checks : "- ${c.name}: ${c.detail}" if c.status == "fail"
    ]))
  }
}
