# The primary region's data tier: session table and buckets.
resource "trdr_regional_stack" "primary" {
  name               = "trading"
  environment_suffix = "dev"
  region             = "us-east-1"
  buckets            = ["config", "audit-logs"] # trading-config-us-east-1-dev, ...

  session_table {
    hash_key = "sessionId"
  }

  noncurrent_version_expiration_days = 30
  force_destroy                      = true
}

# The secondary owns every cross-region link, so Terraform creates it after the primary and
# destroys it first: its buckets, replication both ways, and the table replica in us-east-2.
resource "trdr_regional_stack" "secondary" {
  name                      = "trading"
  environment_suffix        = "dev"
  region                    = "us-east-2"
  replica_of                = trdr_regional_stack.primary.id
  replication_role_arn      = "arn:aws:iam::123456789012:role/trading-s3-replication-dev"
  bidirectional_replication = true
}
