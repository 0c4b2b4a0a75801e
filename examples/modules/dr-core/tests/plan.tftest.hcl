# Plan-time tests with the real trdr provider: it validates every attribute and works out names
# and the RTO budget at plan time, asking AWS only read-only questions (the engine version).
# It needs credentials for an account (or TRDR_ENDPOINT_URL pointing at the local sandbox, as
# make test does); nothing is created.

provider "trdr" {
  primary_region   = "us-east-1"
  secondary_region = "us-east-2"
}

variables {
  environment_suffix   = "plan"
  replication_role_arn = "arn:aws:iam::123456789012:role/s3-replication"
  failover_role_arn    = "arn:aws:iam::123456789012:role/failover"
  alerts_topic_arn     = "arn:aws:sns:us-east-1:123456789012:alerts"
  zone_id              = "Z0123456789ABCDEFGHIJ"
  record_name          = "api.trading.example.com"
  primary_endpoint     = "abc123.execute-api.us-east-1.amazonaws.com"
  secondary_endpoint   = "def456.execute-api.us-east-2.amazonaws.com"
}

run "names_are_known_at_plan" {
  command = plan

  # Readiness reads AWS after the apply; in a plan its check is known only then.
  expect_failures = [check.failover_ready]

  assert {
    condition     = trdr_regional_stack.primary.id == "trading:plan:us-east-1"
    error_message = "Stack ids are name:environment_suffix:region."
  }

  assert {
    condition     = trdr_regional_stack.secondary.table_name == "trading-sessions-plan"
    error_message = "The secondary's table is the replica of the primary's, same name."
  }

  assert {
    condition     = trdr_global_database.trading.id == "trading-global-plan"
    error_message = "The global database id is NAME-global-SUFFIX."
  }
}

run "what_trdr_controls_fits_the_rto_target" {
  command = plan

  # Readiness reads AWS after the apply; in a plan its check is known only then.
  expect_failures = [check.failover_ready]

  assert {
    condition     = trdr_failover_orchestrator.trading.rto_budget_seconds <= trdr_failover_orchestrator.trading.rto_target_seconds
    error_message = "Detection, runbook overhead and DNS TTL alone exceed the RTO target."
  }
}
