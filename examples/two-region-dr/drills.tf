# An hourly drill in the secondary region: EventBridge Scheduler starts that region's runbook
# with {"mode": "drill"} (no Lambda; it needs nothing from the primary region). Each run publishes
# its record to CloudWatch (namespace trdr); the alarm fires when no drill succeeded in the last
# two hours, and module.dr's readiness (max_drill_age) says the same at plan time.
resource "aws_iam_role" "scheduler" {
  provider = aws.primary
  name     = "${local.name}-drill-scheduler-${var.environment_suffix}"
  # Scheduler names the schedule group in aws:SourceArn when it assumes a role.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnEquals    = { "aws:SourceArn" = "${local.arn}:scheduler:${var.secondary_region}:${local.account}:schedule-group/default" }
      }
    }]
  })
}

resource "aws_iam_role_policy" "scheduler" {
  provider = aws.primary
  role     = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["states:StartExecution"], Resource = module.dr.state_machine_arns[var.secondary_region] }]
  })
}

resource "aws_scheduler_schedule" "drill_hourly" {
  provider            = aws.secondary
  name                = "${local.name}-drill-hourly-${var.environment_suffix}"
  schedule_expression = "rate(1 hour)"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = module.dr.state_machine_arns[var.secondary_region]
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ mode = "drill" })
  }
}

resource "aws_cloudwatch_metric_alarm" "drill_failing" {
  provider            = aws.secondary
  alarm_name          = "${local.name}-drill-failing-${var.environment_suffix}"
  alarm_description   = "No successful failover drill in ${var.secondary_region} for two hours."
  namespace           = "trdr"
  metric_name         = "RunSucceeded"
  dimensions          = { Runbook = "${local.name}-failover-${var.secondary_region}-${var.environment_suffix}", Mode = "drill" }
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
}
