# Alarms notify people; none of them starts a runbook (the watchers decide failovers). Each alarm
# lives in the region of the metric it watches and notifies that region's topic, so the surviving
# region still alarms and notifies while the other is down.

# Route 53 publishes health check metrics in us-east-1 only, so this alarm lives there and goes
# quiet when us-east-1 itself is down; the watcher in the other region then notifies from there
# (approval-needed, automatic-failover, blocked notices on its own topic).
resource "aws_cloudwatch_metric_alarm" "primary_unhealthy" {
  # The metric exists only in us-east-1: with another primary_region there is nothing to alarm on
  # from here (the watchers still probe, and notify from their own region).
  count               = var.primary_region == "us-east-1" ? 1 : 0
  provider            = aws.primary
  alarm_name          = "${local.name}-primary-unhealthy-${var.environment_suffix}"
  alarm_description   = "The ${var.primary_region} endpoint fails Route 53's health check. Notification only: the watchers decide a failover."
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

# Replication lag is published by the secondary cluster, in its region.
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

# After a failover or switchover the primary region's cluster is the secondary: its lag is
# published there.
resource "aws_cloudwatch_metric_alarm" "replication_lag_primary" {
  provider            = aws.primary
  alarm_name          = "${local.name}-aurora-replication-lag-${var.environment_suffix}"
  namespace           = "AWS/RDS"
  metric_name         = "AuroraGlobalDBReplicationLag"
  dimensions          = { DBClusterIdentifier = "${local.name}-${var.primary_region}-${var.environment_suffix}" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1000
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors_primary" {
  provider            = aws.primary
  alarm_name          = "${local.name}-lambda-errors-${var.environment_suffix}"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.trade_processor_primary.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors_secondary" {
  provider            = aws.secondary
  alarm_name          = "${local.name}-lambda-errors-${var.environment_suffix}"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.trade_processor_secondary.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
}

resource "aws_cloudwatch_metric_alarm" "api_latency_primary" {
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

resource "aws_cloudwatch_metric_alarm" "api_latency_secondary" {
  provider            = aws.secondary
  alarm_name          = "${local.name}-api-latency-${var.environment_suffix}"
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiName = aws_api_gateway_rest_api.secondary.name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1000
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
}

# Dead-letter queues: any message in one is a trade (or event) that was not processed. Each alarm
# watches its queue in the queue's region and notifies that region's topic.
resource "aws_cloudwatch_metric_alarm" "trades_dlq_primary" {
  provider            = aws.primary
  alarm_name          = "${local.name}-trades-dlq-${var.environment_suffix}"
  alarm_description   = "Trades in ${var.primary_region} failed ${local.redrive_receives} times and wait in the dead-letter queue: inspect, fix, redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.trades_dlq_primary.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
  ok_actions          = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "trades_dlq_secondary" {
  provider            = aws.secondary
  alarm_name          = "${local.name}-trades-dlq-${var.environment_suffix}"
  alarm_description   = "Trades in ${var.secondary_region} failed ${local.redrive_receives} times and wait in the dead-letter queue: inspect, fix, redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.trades_dlq_secondary.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
  ok_actions          = [aws_sns_topic.alerts_secondary.arn]
}

resource "aws_cloudwatch_metric_alarm" "events_dlq" {
  provider            = aws.primary
  alarm_name          = "${local.name}-events-dlq-${var.environment_suffix}"
  alarm_description   = "Trading events could not be forwarded to ${var.secondary_region} and wait in the dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.events_dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
  ok_actions          = [aws_sns_topic.alerts_primary.arn]
}

# The health function itself failing (not answering 503, but erroring or timing out) means the
# region's health signal is broken: Route 53 then sees the region down.
resource "aws_cloudwatch_metric_alarm" "health_errors_primary" {
  provider            = aws.primary
  alarm_name          = "${local.name}-health-errors-${var.environment_suffix}"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.health_primary.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "health_errors_secondary" {
  provider            = aws.secondary
  alarm_name          = "${local.name}-health-errors-${var.environment_suffix}"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.health_secondary.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
}

# One dashboard showing both regions' metrics, each widget reading the region it names.
# CloudWatch dashboards are global (one per account and name, whichever region's endpoint wrote
# it), so a second one "in the other region" would be the same object. Every metric here is
# published: AWS's own, and trdr's (namespace trdr, docs/guides/failover-operations.md).
locals {
  runbook = module.dr.runbook_names
  watcher = module.dr.watcher_names
  dashboard_widgets = concat(
    [
      { type = "metric", width = 12, height = 6, properties = { title = "Aurora global replication lag (ms)", region = var.secondary_region, metrics = [["AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", "${local.name}-${var.secondary_region}-${var.environment_suffix}"]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Drills succeeding (1 = yes)", region = var.secondary_region, stat = "Maximum", period = 3600, metrics = [["trdr", "RunSucceeded", "Runbook", local.runbook[var.secondary_region], "Mode", "drill"]] } },
    ],
    [for r in [var.primary_region, var.secondary_region] : {
      type = "metric", width = 12, height = 6
      properties = {
        title  = "Recovery seconds of promotions into ${r}"
        region = r
        stat   = "Maximum"
        period = 300
        metrics = [
          ["trdr", "RecoverySeconds", "Runbook", local.runbook[r], "Mode", "failover"],
          ["trdr", "RecoverySeconds", "Runbook", local.runbook[r], "Mode", "switchover"],
        ]
      }
    }],
    [for r in [var.primary_region, var.secondary_region] : {
      type = "metric", width = 12, height = 6
      properties = {
        title   = "Automatic failover into ${r}: first failed probe to writer moved (s)"
        region  = r
        stat    = "Maximum"
        period  = 300
        metrics = [["trdr", "AutomaticFailoverSeconds", "Watcher", lookup(local.watcher, r, "none")]]
      }
    }],
    [
      { type = "metric", width = 12, height = 6, properties = { title = "Trades waiting in the dead-letter queue", region = var.primary_region, stat = "Maximum", metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.trades_dlq_primary.name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Trades waiting in the dead-letter queue", region = var.secondary_region, stat = "Maximum", metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.trades_dlq_secondary.name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "API p99 latency", region = var.primary_region, metrics = [["AWS/ApiGateway", "Latency", "ApiName", aws_api_gateway_rest_api.primary.name, { stat = "p99" }]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "API p99 latency", region = var.secondary_region, metrics = [["AWS/ApiGateway", "Latency", "ApiName", aws_api_gateway_rest_api.secondary.name, { stat = "p99" }]] } },
    ],
  )
}

resource "aws_cloudwatch_dashboard" "dr" {
  provider       = aws.primary
  dashboard_name = "${local.name}-dr-${var.environment_suffix}"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
