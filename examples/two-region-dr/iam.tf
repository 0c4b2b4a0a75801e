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

# S3 replication: read from either region's buckets, replicate into their twins.
resource "aws_iam_role" "s3_replication" {
  provider = aws.primary
  name     = "${local.name}-s3-replication-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "s3.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "s3_replication" {
  provider = aws.primary
  role     = aws_iam_role.s3_replication.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
        Resource = [for b in flatten(values(module.dr.bucket_names)) : "${local.arn}:s3:::${b}"]
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
        Resource = [for b in flatten(values(module.dr.bucket_names)) : "${local.arn}:s3:::${b}/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
        Resource = [for b in flatten(values(module.dr.bucket_names)) : "${local.arn}:s3:::${b}/*"]
      },
    ]
  })
}

# The failover runbooks and watchers: exactly the actions the generated state machines call.
# EventBridge Scheduler assumes it too, to start each region's watcher every minute.
resource "aws_iam_role" "failover" {
  provider = aws.primary
  name     = "${local.name}-failover-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = ["states.amazonaws.com", "scheduler.amazonaws.com"] }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "failover" {
  provider = aws.primary
  role     = aws_iam_role.failover.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["rds:DescribeGlobalClusters", "rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"]
        Resource = ["${local.arn}:rds::${local.account}:global-cluster:${local.name}-global-${var.environment_suffix}", "${local.arn}:rds:*:${local.account}:cluster:${local.name}-*-${var.environment_suffix}"]
      },
      {
        Effect   = "Allow"
        Action   = ["route53:ChangeResourceRecordSets"]
        Resource = "${local.arn}:route53:::hostedzone/${var.zone_id}"
      },
      {
        Effect   = "Allow"
        Action   = ["route53:GetHealthCheckStatus"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeTable"]
        Resource = "${local.arn}:dynamodb:*:${local.account}:table/${local.name}-sessions-${var.environment_suffix}"
      },
      {
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = [aws_sns_topic.alerts_primary.arn, aws_sns_topic.alerts_secondary.arn]
      },
      {
        # Each run's record (namespace trdr: RunSucceeded, RunSeconds, RecoverySeconds).
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = "*"
        Condition = { StringEquals = { "cloudwatch:namespace" = "trdr" } }
      },
      {
        # Automatic failover: the schedule starts the watchers; a watcher reads its own pause tag
        # and shifts, and starts, joins and follows its region's runbook.
        Effect = "Allow"
        Action = ["states:StartExecution", "states:ListExecutions", "states:ListTagsForResource"]
        Resource = [
          "${local.arn}:states:*:${local.account}:stateMachine:${local.name}-failover-*-${var.environment_suffix}",
          "${local.arn}:states:*:${local.account}:stateMachine:${local.name}-watcher-*-${var.environment_suffix}",
        ]
      },
      {
        Effect   = "Allow"
        Action   = ["states:DescribeExecution"]
        Resource = "${local.arn}:states:*:${local.account}:execution:${local.name}-failover-*-${var.environment_suffix}:*"
      },
      {
        # The watchers' HTTP Tasks probe the health paths through their EventBridge connection.
        Effect   = "Allow"
        Action   = ["states:InvokeHTTPEndpoint"]
        Resource = "${local.arn}:states:*:${local.account}:stateMachine:${local.name}-watcher-*-${var.environment_suffix}"
      },
      {
        Effect   = "Allow"
        Action   = ["events:RetrieveConnectionCredentials"]
        Resource = "${local.arn}:events:*:${local.account}:connection/${local.name}-probe-*-${var.environment_suffix}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = "${local.arn}:secretsmanager:*:${local.account}:secret:events!connection/${local.name}-probe-*"
      },
    ]
  })
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
