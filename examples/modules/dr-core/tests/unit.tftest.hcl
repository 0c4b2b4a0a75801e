# Unit tests of the module's wiring with a mocked trdr provider: no AWS, no credentials, no
# sandbox. Terraform still loads trdr's schema, so a misspelt attribute fails here.
# Run: terraform test -filter=tests/unit.tftest.hcl (make test runs every file in tests/).

# trdr still validates every value, mocked ones included: ids must look like trdr's ids.
mock_provider "trdr" {
  mock_resource "trdr_global_database" {
    defaults = {
      id = "trading-global-unit"
    }
  }

  mock_resource "trdr_failover_orchestrator" {
    defaults = {
      id = "trading:unit"
    }
  }

  mock_data "trdr_failover_readiness" {
    defaults = {
      ready = true
    }
  }

  mock_resource "trdr_regional_stack" {
    defaults = {
      id = "trading:unit:us-east-1"
      bucket_names = {
        config       = "mock-config"
        "audit-logs" = "mock-audit-logs"
      }
    }
  }
}

variables {
  environment_suffix   = "unit"
  replication_role_arn = "arn:aws:iam::123456789012:role/s3-replication"
  failover_role_arn    = "arn:aws:iam::123456789012:role/failover"
  alerts_topic_arn     = "arn:aws:sns:us-east-1:123456789012:alerts"
  zone_id              = "Z0123456789ABCDEFGHIJ"
  record_name          = "api.trading.example.com"
  primary_endpoint     = "abc123.execute-api.us-east-1.amazonaws.com"
  secondary_endpoint   = "def456.execute-api.us-east-2.amazonaws.com"
}

run "secondary_replicates_the_primary_and_the_runbooks_follow_the_database" {
  command = apply

  assert {
    condition     = trdr_regional_stack.secondary.replica_of == trdr_regional_stack.primary.id
    error_message = "The secondary stack must replicate the primary stack."
  }

  assert {
    condition     = trdr_failover_orchestrator.trading.global_database_id == trdr_global_database.trading.id
    error_message = "The runbooks must promote this module's global database."
  }

  assert {
    condition = (
      trdr_global_database.trading.primary.region == var.primary_region &&
      trdr_global_database.trading.secondary.region == var.secondary_region
    )
    error_message = "The database members must sit in the module's regions."
  }

  assert {
    condition     = toset(keys(output.bucket_names)) == toset(["us-east-1/config", "us-east-1/audit-logs", "us-east-2/config", "us-east-2/audit-logs"])
    error_message = "bucket_names must key each bucket by region and purpose."
  }
}

run "a_bad_environment_suffix_is_refused_by_the_module" {
  command = plan

  variables {
    environment_suffix = "Not_Valid"
  }

  expect_failures = [var.environment_suffix]
}
