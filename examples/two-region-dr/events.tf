# Trading events flow on a bus in each region; the primary forwards to the secondary, with a DLQ
# for events that cannot be delivered.
resource "aws_cloudwatch_event_bus" "trading_primary" {
  provider = aws.primary
  name     = "${local.name}-events-${var.environment_suffix}"
}

resource "aws_cloudwatch_event_bus" "trading_secondary" {
  provider = aws.secondary
  name     = "${local.name}-events-${var.environment_suffix}"
}

resource "aws_sqs_queue" "events_dlq" {
  provider                  = aws.primary
  name                      = "${local.name}-events-dlq-${var.environment_suffix}"
  message_retention_seconds = 1209600
}

resource "aws_cloudwatch_event_rule" "forward" {
  provider       = aws.primary
  name           = "${local.name}-forward-${var.environment_suffix}"
  event_bus_name = aws_cloudwatch_event_bus.trading_primary.name
  event_pattern  = jsonencode({ source = [{ prefix = "trading." }] })
}

resource "aws_cloudwatch_event_target" "forward" {
  provider       = aws.primary
  rule           = aws_cloudwatch_event_rule.forward.name
  event_bus_name = aws_cloudwatch_event_bus.trading_primary.name
  arn            = aws_cloudwatch_event_bus.trading_secondary.arn
  role_arn       = aws_iam_role.events.arn
  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
  retry_policy {
    maximum_retry_attempts       = 10
    maximum_event_age_in_seconds = 3600
  }
}

# When the primary endpoint is unhealthy, start the failover runbook in the secondary region.
# The alarm's state change is forwarded from the primary's default bus to the secondary's, whose
# rule starts the runbook there. This is best effort: if the primary region's control plane is
# down, the alarm may never fire — operators (or an external monitor) start the runbook in the
# secondary region themselves; it needs nothing from the primary.
data "aws_cloudwatch_event_bus" "default_secondary" {
  provider = aws.secondary
  name     = "default"
}

resource "aws_cloudwatch_event_rule" "alarm_to_secondary" {
  provider = aws.primary
  name     = "${local.name}-alarm-to-secondary-${var.environment_suffix}"
  event_pattern = jsonencode({
    source        = ["aws.cloudwatch"]
    "detail-type" = ["CloudWatch Alarm State Change"]
    detail = {
      alarmName = [aws_cloudwatch_metric_alarm.primary_unhealthy.alarm_name]
      state     = { value = ["ALARM"] }
    }
  })
}

resource "aws_cloudwatch_event_target" "alarm_to_secondary" {
  provider = aws.primary
  rule     = aws_cloudwatch_event_rule.alarm_to_secondary.name
  arn      = data.aws_cloudwatch_event_bus.default_secondary.arn
  role_arn = aws_iam_role.events.arn
}

resource "aws_cloudwatch_event_rule" "failover_on_alarm" {
  provider = aws.secondary
  name     = "${local.name}-failover-on-alarm-${var.environment_suffix}"
  event_pattern = jsonencode({
    source        = ["aws.cloudwatch"]
    "detail-type" = ["CloudWatch Alarm State Change"]
    detail = {
      alarmName = [aws_cloudwatch_metric_alarm.primary_unhealthy.alarm_name]
      state     = { value = ["ALARM"] }
    }
  })
}

resource "aws_cloudwatch_event_target" "failover_on_alarm" {
  provider = aws.secondary
  rule     = aws_cloudwatch_event_rule.failover_on_alarm.name
  arn      = module.dr.state_machine_arns[var.secondary_region]
  role_arn = aws_iam_role.events.arn
  input    = jsonencode({ mode = "failover" })
}
