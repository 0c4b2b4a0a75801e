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
    record_name        = lower(trimsuffix(var.record_name, "."))
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

# ---- Application roles: one per function and region, each limited to its own region's objects ----
#
# Lambda's trust policy takes aws:SourceAccount (Lambda does not set aws:SourceArn when it assumes
# an execution role). Neither function can read the database master secret: they read the
# application's own secret (kms.tf), this region's copy.
locals {
  lambda_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
  # What each region's roles may touch: that region's objects only.
  own = {
    primary = {
      region         = var.primary_region
      queue          = aws_sqs_queue.trades_primary.arn
      key            = aws_kms_key.platform_primary.arn
      processor_logs = aws_cloudwatch_log_group.processor_primary.arn
      health_logs    = aws_cloudwatch_log_group.health_primary.arn
    }
    secondary = {
      region         = var.secondary_region
      queue          = aws_sqs_queue.trades_secondary.arn
      key            = aws_kms_key.platform_secondary.arn
      processor_logs = aws_cloudwatch_log_group.processor_secondary.arn
      health_logs    = aws_cloudwatch_log_group.health_secondary.arn
    }
  }
  # Lambda creates and deletes the functions' network interfaces with the execution role. The
  # two Describe actions take no resource-level permission (so "*"); the writes are held to the
  # function's own region and account.
  lambda_vpc_statements = {
    for k, v in local.own : k => [
      {
        Sid      = "FunctionNetworkInterfacesDescribe"
        Effect   = "Allow"
        Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        Resource = "*"
      },
      {
        Sid    = "FunctionNetworkInterfacesInItsRegion"
        Effect = "Allow"
        Action = [
          "ec2:CreateNetworkInterface",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ]
        Resource = "${local.arn}:ec2:${v.region}:${local.account}:*"
      },
    ]
  }
}

resource "aws_iam_role" "processor" {
  for_each           = local.own
  provider           = aws.primary
  name               = "${local.name}-processor-${each.value.region}-${var.environment_suffix}"
  assume_role_policy = local.lambda_trust
}

resource "aws_iam_role_policy" "processor" {
  for_each = local.own
  provider = aws.primary
  name     = "trade-processor"
  role     = aws_iam_role.processor[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      { Sid = "ConsumeTheRegionsQueue", Effect = "Allow", Action = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], Resource = each.value.queue },
      { Sid = "WriteSessions", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Resource = "${local.arn}:dynamodb:${each.value.region}:${local.account}:table/${module.dr.table_name}" },
      { Sid = "ReadTheApplicationsDatabaseSecret", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = local.app_secret_arns[each.key] },
      # Environment variables, queue messages and the secret are encrypted under the region's key.
      { Sid = "DecryptWithTheRegionsKey", Effect = "Allow", Action = ["kms:Decrypt"], Resource = each.value.key },
      { Sid = "WriteOwnLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${each.value.processor_logs}:*" },
    ], local.lambda_vpc_statements[each.key])
  })
}

resource "aws_iam_role" "health" {
  for_each           = local.own
  provider           = aws.primary
  name               = "${local.name}-health-${each.value.region}-${var.environment_suffix}"
  assume_role_policy = local.lambda_trust
}

# Exactly what health.py calls, on this region's objects.
resource "aws_iam_role_policy" "health" {
  for_each = local.own
  provider = aws.primary
  name     = "health"
  role     = aws_iam_role.health[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      { Sid = "SessionTableAnswers", Effect = "Allow", Action = ["dynamodb:DescribeTable", "dynamodb:GetItem"], Resource = "${local.arn}:dynamodb:${each.value.region}:${local.account}:table/${module.dr.table_name}" },
      { Sid = "QueueAnswers", Effect = "Allow", Action = ["sqs:GetQueueAttributes"], Resource = each.value.queue },
      { Sid = "ReadTheApplicationsDatabaseSecret", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = local.app_secret_arns[each.key] },
      { Sid = "DecryptWithTheRegionsKey", Effect = "Allow", Action = ["kms:Decrypt"], Resource = each.value.key },
      { Sid = "WriteOwnLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${each.value.health_logs}:*" },
    ], local.lambda_vpc_statements[each.key])
  })
}

# API Gateway's SQS integration: each region's API may send to that region's trade queue only.
resource "aws_iam_role" "api_sqs" {
  for_each = local.own
  provider = aws.primary
  name     = "${local.name}-api-sqs-${each.value.region}-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "api_sqs" {
  for_each = local.own
  provider = aws.primary
  name     = "send-trades"
  role     = aws_iam_role.api_sqs[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "SendToTheRegionsTradeQueue", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = each.value.queue },
      # The queue is encrypted under the region's key: a producer needs both.
      { Sid = "EncryptWithTheRegionsKey", Effect = "Allow", Action = ["kms:GenerateDataKey", "kms:Decrypt"], Resource = each.value.key },
    ]
  })
}

# API Gateway writes access and execution logs with the account's CloudWatch role of each region
# (aws_api_gateway_account in api.tf: an account-wide setting per region). The AWS managed policy
# is what API Gateway documents for this role.
resource "aws_iam_role" "apigateway_cloudwatch" {
  provider = aws.primary
  name     = "${local.name}-apigateway-cloudwatch-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "apigateway_cloudwatch" {
  provider   = aws.primary
  role       = aws_iam_role.apigateway_cloudwatch.name
  policy_arn = "${local.arn}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# EventBridge forwards trading events to the other region's bus, as this rule only.
resource "aws_iam_role" "events" {
  provider = aws.primary
  name     = "${local.name}-events-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnEquals    = { "aws:SourceArn" = aws_cloudwatch_event_rule.forward.arn }
      }
    }]
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
