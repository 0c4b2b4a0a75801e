# Alarms: the primary endpoint's health (which starts the runbook), replication lag, Lambda
# errors, API latency; and a dashboard.
# Route 53 publishes health check metrics in us-east-1 only, so this alarm lives there.
resource "aws_cloudwatch_metric_alarm" "primary_unhealthy" {
  provider            = aws.primary
  alarm_name          = "${local.name}-primary-unhealthy-${var.environment_suffix}"
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  dimensions          = { HealthCheckId = module.dr.health_check_ids[var.primary_region] }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "replication_lag" {
  provider            = aws.secondary
  alarm_name          = "${local.name}-aurora-replication-lag-${var.environment_suffix}"
  namespace           = "AWS/RDS"
  metric_name         = "AuroraGlobalDBReplicationLag"
  dimensions          = { DBClusterIdentifier = "${local.name}-${var.secondary_region}-${var.environment_suffix}" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1000
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = {
    primary   = aws_lambda_function.trade_processor_primary.function_name
    secondary = aws_lambda_function.trade_processor_secondary.function_name
  }
  provider            = aws.primary
  alarm_name          = "${local.name}-lambda-errors-${each.key}-${var.environment_suffix}"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "api_latency" {
  provider            = aws.primary
  alarm_name          = "${local.name}-api-latency-${var.environment_suffix}"
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiName = aws_api_gateway_rest_api.primary.name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1000
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_dashboard" "dr" {
  provider       = aws.primary
  dashboard_name = "${local.name}-dr-${var.environment_suffix}"
  dashboard_body = jsonencode({
    widgets = [
      { type = "metric", width = 12, height = 6, properties = { title = "Aurora global replication lag (ms)", region = var.secondary_region, metrics = [["AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", "${local.name}-${var.secondary_region}-${var.environment_suffix}"]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Failover ready (1 = yes)", region = var.secondary_region, metrics = [["Trading/DR", "FailoverReady", "GlobalCluster", module.dr.global_database_id]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "API p99 latency", region = var.primary_region, metrics = [["AWS/ApiGateway", "Latency", "ApiName", aws_api_gateway_rest_api.primary.name, { stat = "p99" }]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Trade processor errors", region = var.primary_region, metrics = [["AWS/Lambda", "Errors", "FunctionName", aws_lambda_function.trade_processor_primary.function_name]] } },
    ]
  })
}
