# Trading events flow on a bus in each region; the primary forwards to the secondary, with a DLQ
# for events that cannot be delivered.
#
# Nothing here starts a runbook. Automatic failover has exactly one path: the watcher that
# module.dr deploys in each region (guarded by its pause tag, optional approval, the failure
# window and the own-endpoint and partition checks; docs/guides/failover-operations.md). Alarms
# in this example notify people; they never promote. tests/examples.rs fails if any example wires
# an EventBridge target, schedule, pipe or function to a runbook in failover mode.
resource "aws_cloudwatch_event_bus" "trading_primary" {
  provider = aws.primary
  name     = "${local.name}-events-${var.environment_suffix}"
}

resource "aws_cloudwatch_event_bus" "trading_secondary" {
  provider = aws.secondary
  name     = "${local.name}-events-${var.environment_suffix}"
}

# The forwarding rule and its DLQ live in the primary region (a rule's dead-letter queue must be
# in the rule's region).
resource "aws_sqs_queue" "events_dlq" {
  provider                          = aws.primary
  name                              = "${local.name}-events-dlq-${var.environment_suffix}"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.platform_primary.arn
  kms_data_key_reuse_period_seconds = 300
}

# EventBridge delivers to a dead-letter queue only when the queue's policy lets the rule send (and,
# the queue being encrypted, the key's policy lets EventBridge use the key: kms.tf). Nothing else
# may use it without TLS.
resource "aws_sqs_queue_policy" "events_dlq" {
  provider  = aws.primary
  queue_url = aws_sqs_queue.events_dlq.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeDeadLetters"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.events_dlq.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.forward.arn } }
      }, {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.events_dlq.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
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
