# The application path of each region: POST /trades on the regional API puts the trade on the
# region's queue (API Gateway's SQS integration, api.tf), the trade processor takes it from there
# (event source mapping) into the session table; a message that fails 5 receives moves to the
# region's dead-letter queue, which alarms. The health function answers GET /health.
#
# Both functions come from one package of lambda/ (trade_processor.py and health.py, and any
# dependency vendored next to them).
data "archive_file" "functions" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  excludes    = ["__pycache__"]
  output_path = "${path.module}/.build/functions.zip"
}

# ---- Queues --------------------------------------------------------------------------------------
# Trade queue (4-day retention) and its dead-letter queue (14 days) per region, under the region's
# key. The visibility timeout is six times the processor's timeout (AWS's advice for Lambda event
# sources), so a batch being processed is not handed out twice.
locals {
  processor_timeout = 30
  redrive_receives  = 5
  # Refuse any request that is not TLS (a queue policy for every queue).
  tls_only = {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = "*"
    Action    = "sqs:*"
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }
}

resource "aws_sqs_queue" "trades_dlq_primary" {
  provider                          = aws.primary
  name                              = "${local.name}-trades-dlq-${var.environment_suffix}"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.platform_primary.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "trades_dlq_secondary" {
  provider                          = aws.secondary
  name                              = "${local.name}-trades-dlq-${var.environment_suffix}"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.platform_secondary.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "trades_primary" {
  provider                          = aws.primary
  name                              = "${local.name}-trades-${var.environment_suffix}"
  message_retention_seconds         = 345600
  visibility_timeout_seconds        = 6 * local.processor_timeout
  kms_master_key_id                 = aws_kms_key.platform_primary.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.trades_dlq_primary.arn
    maxReceiveCount     = local.redrive_receives
  })
}

resource "aws_sqs_queue" "trades_secondary" {
  provider                          = aws.secondary
  name                              = "${local.name}-trades-${var.environment_suffix}"
  message_retention_seconds         = 345600
  visibility_timeout_seconds        = 6 * local.processor_timeout
  kms_master_key_id                 = aws_kms_key.platform_secondary.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.trades_dlq_secondary.arn
    maxReceiveCount     = local.redrive_receives
  })
}

# Only the region's trade queue may use its dead-letter queue as one. (Set here rather than on the
# DLQ itself: the DLQ cannot name the queue that names it without a cycle.)
resource "aws_sqs_queue_redrive_allow_policy" "trades_dlq_primary" {
  provider  = aws.primary
  queue_url = aws_sqs_queue.trades_dlq_primary.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.trades_primary.arn]
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "trades_dlq_secondary" {
  provider  = aws.secondary
  queue_url = aws_sqs_queue.trades_dlq_secondary.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.trades_secondary.arn]
  })
}

# Queue policies: TLS only. API Gateway sends with its own role (iam.tf), the processor receives
# with its role, SQS itself moves failed messages to the DLQ: no service principal needs a grant.
resource "aws_sqs_queue_policy" "trades_primary" {
  provider  = aws.primary
  queue_url = aws_sqs_queue.trades_primary.id
  policy    = jsonencode({ Version = "2012-10-17", Statement = [merge(local.tls_only, { Resource = aws_sqs_queue.trades_primary.arn })] })
}

resource "aws_sqs_queue_policy" "trades_secondary" {
  provider  = aws.secondary
  queue_url = aws_sqs_queue.trades_secondary.id
  policy    = jsonencode({ Version = "2012-10-17", Statement = [merge(local.tls_only, { Resource = aws_sqs_queue.trades_secondary.arn })] })
}

resource "aws_sqs_queue_policy" "trades_dlq_primary" {
  provider  = aws.primary
  queue_url = aws_sqs_queue.trades_dlq_primary.id
  policy    = jsonencode({ Version = "2012-10-17", Statement = [merge(local.tls_only, { Resource = aws_sqs_queue.trades_dlq_primary.arn })] })
}

resource "aws_sqs_queue_policy" "trades_dlq_secondary" {
  provider  = aws.secondary
  queue_url = aws_sqs_queue.trades_dlq_secondary.id
  policy    = jsonencode({ Version = "2012-10-17", Statement = [merge(local.tls_only, { Resource = aws_sqs_queue.trades_dlq_secondary.arn })] })
}

# ---- Log groups ----------------------------------------------------------------------------------
# Declared before the functions so that Lambda writes into them (retention, key) rather than
# creating its own.
locals {
  processor_name = "${local.name}-trade-processor-${var.environment_suffix}"
  health_name    = "${local.name}-health-${var.environment_suffix}"
}

resource "aws_cloudwatch_log_group" "processor_primary" {
  provider          = aws.primary
  name              = "/aws/lambda/${local.processor_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.platform_primary.arn
}

resource "aws_cloudwatch_log_group" "processor_secondary" {
  provider          = aws.secondary
  name              = "/aws/lambda/${local.processor_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.platform_secondary.arn
}

resource "aws_cloudwatch_log_group" "health_primary" {
  provider          = aws.primary
  name              = "/aws/lambda/${local.health_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.platform_primary.arn
}

resource "aws_cloudwatch_log_group" "health_secondary" {
  provider          = aws.secondary
  name              = "/aws/lambda/${local.health_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.platform_secondary.arn
}

# ---- Trade processor -----------------------------------------------------------------------------
# Reserved concurrency bounds what the processors can ask of the database: each concurrent
# invocation holds at most one connection (opened once per execution environment and reused), and
# both regions' processors write through the global writer endpoint, i.e. into one writer
# instance. With dr-core's capacity (Aurora Serverless v2, 0.5 to 16 ACU), Aurora PostgreSQL caps
# max_connections at 2,000 (a minimum below 1 ACU caps it there whatever the maximum). 2 regions x
# processor_concurrency (50) + 2 x health_concurrency (10, on each region's own reader) = 120
# connections at most, leaving the rest for operators, the DBA and capacity to raise the numbers.
# The event source mapping's maximum concurrency equals the reservation, so the queue never
# throttles the function (throttled receives would count toward the DLQ's maxReceiveCount).
resource "aws_lambda_function" "trade_processor_primary" {
  provider                       = aws.primary
  function_name                  = local.processor_name
  role                           = aws_iam_role.processor["primary"].arn
  runtime                        = "python3.12"
  handler                        = "trade_processor.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  timeout                        = local.processor_timeout
  reserved_concurrent_executions = var.processor_concurrency
  kms_key_arn                    = aws_kms_key.platform_primary.arn
  environment {
    variables = {
      SESSION_TABLE = module.dr.table_name
      # The global writer endpoint: after a switchover or failover it already resolves to the
      # new writer (through the VPC peering while it is in the other region).
      DB_WRITER_ENDPOINT = module.dr.writer_endpoint
      DB_NAME            = local.name
      # This region's copy of the application's own secret (trading_app), never the master's.
      DB_SECRET_ARN = local.app_secret_arns["primary"]
    }
  }
  vpc_config {
    subnet_ids         = module.network_primary.subnet_ids
    security_group_ids = [module.network_primary.lambda_security_group]
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.processor_primary.name
  }
  depends_on = [aws_iam_role_policy.processor]
}

resource "aws_lambda_function" "trade_processor_secondary" {
  provider                       = aws.secondary
  function_name                  = local.processor_name
  role                           = aws_iam_role.processor["secondary"].arn
  runtime                        = "python3.12"
  handler                        = "trade_processor.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  timeout                        = local.processor_timeout
  reserved_concurrent_executions = var.processor_concurrency
  kms_key_arn                    = aws_kms_key.platform_secondary.arn
  environment {
    variables = {
      SESSION_TABLE      = module.dr.table_name
      DB_WRITER_ENDPOINT = module.dr.writer_endpoint
      DB_NAME            = local.name
      # This region's copy (the replica): readable while the other region is down.
      DB_SECRET_ARN = local.app_secret_arns["secondary"]
    }
  }
  vpc_config {
    subnet_ids         = module.network_secondary.subnet_ids
    security_group_ids = [module.network_secondary.lambda_security_group]
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.processor_secondary.name
  }
  depends_on = [aws_iam_role_policy.processor]
}

# Partial batch responses: the processor reports the messages that failed
# ({"batchItemFailures": [{"itemIdentifier": messageId}]}); only those are retried and, after
# maxReceiveCount receives, moved to the DLQ.
resource "aws_lambda_event_source_mapping" "trades_primary" {
  provider                = aws.primary
  event_source_arn        = aws_sqs_queue.trades_primary.arn
  function_name           = aws_lambda_function.trade_processor_primary.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = var.processor_concurrency
  }
}

resource "aws_lambda_event_source_mapping" "trades_secondary" {
  provider                = aws.secondary
  event_source_arn        = aws_sqs_queue.trades_secondary.arn
  function_name           = aws_lambda_function.trade_processor_secondary.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = var.processor_concurrency
  }
}

# ---- Health --------------------------------------------------------------------------------------
# GET /health of each region (api.tf): checks this region's serving path only — its own cluster's
# reader endpoint answers SELECT 1, the session table answers in this region, the queue answers —
# within BUDGET_MS, and answers 503 otherwise. Route 53's health checks and the watchers probe it
# on each region's custom domain. It runs in the VPC (the database is private) and reaches the
# other services through the VPC endpoints.
resource "aws_lambda_function" "health_primary" {
  provider                       = aws.primary
  function_name                  = local.health_name
  role                           = aws_iam_role.health["primary"].arn
  runtime                        = "python3.12"
  handler                        = "health.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  timeout                        = 5
  memory_size                    = 256
  reserved_concurrent_executions = var.health_concurrency
  kms_key_arn                    = aws_kms_key.platform_primary.arn
  environment {
    variables = {
      REGION              = var.primary_region
      SESSION_TABLE       = module.dr.table_name
      QUEUE_URL           = aws_sqs_queue.trades_primary.url
      DB_CLUSTER_ENDPOINT = module.dr.cluster_reader_endpoints[var.primary_region]
      DB_NAME             = local.name
      DB_SECRET_ARN       = local.app_secret_arns["primary"]
      BUDGET_MS           = tostring(var.health_budget_ms)
    }
  }
  vpc_config {
    subnet_ids         = module.network_primary.subnet_ids
    security_group_ids = [module.network_primary.lambda_security_group]
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.health_primary.name
  }
  depends_on = [aws_iam_role_policy.health]
}

resource "aws_lambda_function" "health_secondary" {
  provider                       = aws.secondary
  function_name                  = local.health_name
  role                           = aws_iam_role.health["secondary"].arn
  runtime                        = "python3.12"
  handler                        = "health.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  timeout                        = 5
  memory_size                    = 256
  reserved_concurrent_executions = var.health_concurrency
  kms_key_arn                    = aws_kms_key.platform_secondary.arn
  environment {
    variables = {
      REGION              = var.secondary_region
      SESSION_TABLE       = module.dr.table_name
      QUEUE_URL           = aws_sqs_queue.trades_secondary.url
      DB_CLUSTER_ENDPOINT = module.dr.cluster_reader_endpoints[var.secondary_region]
      DB_NAME             = local.name
      DB_SECRET_ARN       = local.app_secret_arns["secondary"]
      BUDGET_MS           = tostring(var.health_budget_ms)
    }
  }
  vpc_config {
    subnet_ids         = module.network_secondary.subnet_ids
    security_group_ids = [module.network_secondary.lambda_security_group]
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.health_secondary.name
  }
  depends_on = [aws_iam_role_policy.health]
}
