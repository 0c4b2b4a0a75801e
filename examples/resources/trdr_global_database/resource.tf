# An Aurora PostgreSQL global database in one block: created writer-first, switched over by
# changing writer_region, deleted member by member in reverse.
resource "trdr_global_database" "trading" {
  name                  = "trading"
  environment_suffix    = "dev"
  engine_version        = "15.10"
  database_name         = "trading"
  master_username       = "dbadmin" # trdr generates the password into its own secret, replicated to both regions
  writer_region         = "us-east-1"
  backup_retention_days = 7
  storage_encrypted     = true

  serverless_v2 {
    min_capacity = 0.5
    max_capacity = 16
  }

  primary {
    region                 = "us-east-1"
    db_subnet_group_name   = "trading-db-us-east-1-dev"
    vpc_security_group_ids = ["sg-0123456789abcdef0"]
    instance_count         = 2
  }

  secondary {
    region                 = "us-east-2"
    db_subnet_group_name   = "trading-db-us-east-2-dev"
    vpc_security_group_ids = ["sg-0fedcba9876543210"]
    instance_count         = 1
  }

  timeouts {
    create = "90m"
    update = "60m"
    delete = "60m"
  }
}
