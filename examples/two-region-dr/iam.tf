data "aws_caller_identity" "current" {
  provider = aws.primary
}

data "aws_partition" "current" {
  provider = aws.primary
}

locals {
  account = data.aws_caller_identity.current.account_id
  arn     = "arn:${data.aws_partition.current.partition}"
}

# The runtime roles of trdr's objects use the documented least-privilege policies as they are
# (examples/permissions, explained in docs/guides/permissions.md); `make test` checks every call
# the runbooks, watchers and schedules make in the sandbox against these same files.
locals {
  permissions = "${path.module}/../permissions"
  policy_vars = {
    partition          = data.aws_partition.current.partition
    account            = local.account
    name               = local.name
    environment_suffix = var.environment_suffix
    zone_id            = var.zone_id
    topic_name         = "${local.name}-alerts-${var.environment_suffix}"
  }
}

# S3 replication: read from either region's buckets, replicate into their twins.
resource "aws_iam_role" "s3_replication" {
  provider           = aws.primary
  name               = "${local.name}-s3-replication-${var.environment_suffix}"
  assume_role_policy = templatefile("${local.permissions}/s3-replication-role.trust.json.tftpl", local.policy_vars)
}

resource "aws_iam_role_policy" "s3_replication" {
  provider = aws.primary
  role     = aws_iam_role.s3_replication.id
  policy   = templatefile("${local.permissions}/s3-replication-role.json.tftpl", local.policy_vars)
}

# The failover runbooks and watchers: exactly the actions the generated state machines call.
# EventBridge Scheduler assumes it too, to start each region's watcher every minute (dr-core sets
# no separate schedule_role_arn).
resource "aws_iam_role" "failover" {
  provider           = aws.primary
  name               = "${local.name}-failover-${var.environment_suffix}"
  assume_role_policy = templatefile("${local.permissions}/failover-execution-role.trust.json.tftpl", local.policy_vars)
}

resource "aws_iam_role_policy" "failover" {
  provider = aws.primary
  role     = aws_iam_role.failover.id
  policy   = templatefile("${local.permissions}/failover-execution-role.json.tftpl", local.policy_vars)
}

resource "aws_iam_role" "lambda" {
  provider = aws.primary
  name     = "${local.name}-lambda-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "lambda_vpc" {
  provider   = aws.primary
  role       = aws_iam_role.lambda.name
  policy_arn = "${local.arn}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy" "lambda" {
  provider = aws.primary
  role     = aws_iam_role.lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource = [aws_sqs_queue.trades_primary.arn, aws_sqs_queue.trades_secondary.arn] },
      { Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Resource = "${local.arn}:dynamodb:*:${local.account}:table/${local.name}-sessions-${var.environment_suffix}" },
      # Each region's function reads its own region's copy of the secret.
      { Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = values(module.dr.master_user_secret_arns) },
    ]
  })
}

resource "aws_iam_role" "events" {
  provider = aws.primary
  name     = "${local.name}-events-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "events" {
  provider = aws.primary
  role     = aws_iam_role.events.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      # Forwarding only: EventBridge starts no runbook in this platform.
      { Effect = "Allow", Action = ["events:PutEvents"], Resource = [aws_cloudwatch_event_bus.trading_secondary.arn] },
    ]
  })
}
