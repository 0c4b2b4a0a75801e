# The primary region's data tier: session table and buckets.
resource "trdr_regional_stack" "primary" {
  name               = "trading"
  environment_suffix = "dev"
  region             = "us-east-1"
  buckets            = ["config", "audit-logs"] # trading-config-us-east-1-dev, ...

  session_table {
    hash_key    = "sessionId"
    consistency = "STRONG" # multi-Region strong consistency: no committed session lost in a failover
  }

  noncurrent_version_expiration_days = 30
  force_destroy                      = true
}

# The secondary owns every cross-region link, so Terraform creates it after the primary and
# destroys it first: its buckets, replication both ways, and the table replica in us-east-2 —
# with STRONG, the strongly consistent global table and its witness in us-west-2.
resource "trdr_regional_stack" "secondary" {
  name                      = "trading"
  environment_suffix        = "dev"
  region                    = "us-east-2"
  replica_of                = trdr_regional_stack.primary.id
  replication_role_arn      = "arn:aws:iam::123456789012:role/trading-s3-replication-dev"
  bidirectional_replication = true

  session_table {
    consistency    = "STRONG"
    witness_region = "us-west-2" # the default for us-east-1 and us-east-2
  }
}
