data "archive_file" "trade_processor" {
  type        = "zip"
  source_file = "${path.module}/lambda/trade_processor.py"
  output_path = "${path.module}/.build/trade_processor.zip"
}


# Trade queue (4-day retention) and processor in each region.
resource "aws_sqs_queue" "trades_primary" {
  provider                  = aws.primary
  name                      = "${local.name}-trades-${var.environment_suffix}"
  message_retention_seconds = 345600
}

resource "aws_sqs_queue" "trades_secondary" {
  provider                  = aws.secondary
  name                      = "${local.name}-trades-${var.environment_suffix}"
  message_retention_seconds = 345600
}

resource "aws_lambda_function" "trade_processor_primary" {
  provider         = aws.primary
  function_name    = "${local.name}-trade-processor-${var.environment_suffix}"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "trade_processor.handler"
  filename         = data.archive_file.trade_processor.output_path
  source_code_hash = data.archive_file.trade_processor.output_base64sha256
  timeout          = 30
  environment {
    variables = {
      SESSION_TABLE = module.dr.table_name
      # The global writer endpoint: after a switchover or failover it already resolves to the
      # new writer, so neither function needs new configuration.
      DB_WRITER_ENDPOINT = module.dr.writer_endpoint
      # This region's copy of the secret: readable while the other region is down.
      DB_SECRET_ARN = module.dr.master_user_secret_arns[var.primary_region]
    }
  }
  vpc_config {
    subnet_ids         = module.network_primary.subnet_ids
    security_group_ids = [module.network_primary.lambda_security_group]
  }
}

resource "aws_lambda_function" "trade_processor_secondary" {
  provider         = aws.secondary
  function_name    = "${local.name}-trade-processor-${var.environment_suffix}"
  role             = aws_iam_role.lambda.arn
  runtime          = "python3.12"
  handler          = "trade_processor.handler"
  filename         = data.archive_file.trade_processor.output_path
  source_code_hash = data.archive_file.trade_processor.output_base64sha256
  timeout          = 30
  environment {
    variables = {
      SESSION_TABLE = module.dr.table_name
      # The global writer endpoint: after a switchover or failover it already resolves to the
      # new writer, so neither function needs new configuration.
      DB_WRITER_ENDPOINT = module.dr.writer_endpoint
      # This region's copy of the secret (the replica): readable while the other region is down.
      DB_SECRET_ARN = module.dr.master_user_secret_arns[var.secondary_region]
    }
  }
  vpc_config {
    subnet_ids         = module.network_secondary.subnet_ids
    security_group_ids = [module.network_secondary.lambda_security_group]
  }
}

resource "aws_lambda_event_source_mapping" "trades_primary" {
  provider         = aws.primary
  event_source_arn = aws_sqs_queue.trades_primary.arn
  function_name    = aws_lambda_function.trade_processor_primary.arn
  batch_size       = 10
}

resource "aws_lambda_event_source_mapping" "trades_secondary" {
  provider         = aws.secondary
  event_source_arn = aws_sqs_queue.trades_secondary.arn
  function_name    = aws_lambda_function.trade_processor_secondary.arn
  batch_size       = 10
}
