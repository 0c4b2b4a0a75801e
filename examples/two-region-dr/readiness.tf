# The hourly readiness test: in EACH region, EventBridge Scheduler runs lambda/readiness.py once an
# hour; it calls both regions' GET /health and a SigV4-signed synthetic POST /trades through their
# regional names (api-REGION.<zone>), as a client would, and publishes in its own region
# Trading/Readiness RegionServes (1/0, dimension Region = the target). Each region alarms, on its
# own topic, when either region failed in the last hour or when no result arrived. Nothing here
# needs the other region to report: the surviving region's run reports the failed one as 0.
#
# It runs outside the VPC on purpose: it must take the clients' path (public DNS, the certificate,
# the WAF, the custom domain), and the VPC has no NAT by design.
locals {
  readiness_name = "${local.name}-readiness-${var.environment_suffix}"
  # Each region's regional name, as api.tf gives it to regional-domain/ (built from the zone, not
  # read from the other region's objects: the function in each region calls both).
  readiness_targets = jsonencode({
    (var.primary_region)   = "api-${var.primary_region}.${local.zone_name}"
    (var.secondary_region) = "api-${var.secondary_region}.${local.zone_name}"
  })
  # execute-api:Invoke on exactly POST /trades of both regions' stages.
  readiness_trade_arns = [
    "${local.arn}:execute-api:${var.primary_region}:${local.account}:${aws_api_gateway_rest_api.primary.id}/${module.api_primary.stage_name}/POST/trades",
    "${local.arn}:execute-api:${var.secondary_region}:${local.account}:${aws_api_gateway_rest_api.secondary.id}/${module.api_secondary.stage_name}/POST/trades",
  ]
  readiness = {
    primary = {
      region = var.primary_region
      key    = aws_kms_key.platform_primary.arn
      logs   = aws_cloudwatch_log_group.readiness_primary.arn
    }
    secondary = {
      region = var.secondary_region
      key    = aws_kms_key.platform_secondary.arn
      logs   = aws_cloudwatch_log_group.readiness_secondary.arn
    }
  }
  readiness_schedule_name = "${local.name}-readiness-hourly-${var.environment_suffix}"
}

# ---- The function's role, one per region (IAM is global) ----------------------------------------
resource "aws_iam_role" "readiness" {
  for_each           = local.regions
  provider           = aws.primary
  name               = "${local.name}-readiness-${each.value}-${var.environment_suffix}"
  assume_role_policy = local.lambda_trust
}

resource "aws_iam_role_policy" "readiness" {
  for_each = local.readiness
  provider = aws.primary
  name     = "readiness"
  role     = aws_iam_role.readiness[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      # PutMetricData takes no resource-level permission: held to the namespace and this region.
      {
        Sid      = "PublishReadinessInItsRegion"
        Effect   = "Allow"
        Action   = ["cloudwatch:PutMetricData"]
        Resource = "*"
        Condition = {
          StringEquals = { "cloudwatch:namespace" = "Trading/Readiness", "aws:RequestedRegion" = each.value.region }
        }
      },
      { Sid = "PostSyntheticTrades", Effect = "Allow", Action = ["execute-api:Invoke"], Resource = local.readiness_trade_arns },
      # The function's environment is encrypted under the region's key.
      { Sid = "DecryptWithTheRegionsKey", Effect = "Allow", Action = ["kms:Decrypt"], Resource = each.value.key },
      { Sid = "WriteOwnLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "${each.value.logs}:*" },
    ]
  })
}

# ---- The function, per region ---------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "readiness_primary" {
  provider          = aws.primary
  name              = "/aws/lambda/${local.readiness_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.platform_primary.arn
}

resource "aws_cloudwatch_log_group" "readiness_secondary" {
  provider          = aws.secondary
  name              = "/aws/lambda/${local.readiness_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.platform_secondary.arn
}

# Four calls at once, 5 s each at most; 30 s leaves room for the metrics. One run an hour: a
# reserved concurrency of 1 (it never competes with the trade processor or the health function).
resource "aws_lambda_function" "readiness_primary" {
  provider                       = aws.primary
  function_name                  = local.readiness_name
  role                           = aws_iam_role.readiness["primary"].arn
  runtime                        = "python3.12"
  handler                        = "readiness.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  timeout                        = 30
  memory_size                    = 128
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.platform_primary.arn
  environment {
    variables = {
      TARGETS    = local.readiness_targets
      TIMEOUT_MS = "5000"
    }
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.readiness_primary.name
  }
  depends_on = [aws_iam_role_policy.readiness]
}

resource "aws_lambda_function" "readiness_secondary" {
  provider                       = aws.secondary
  function_name                  = local.readiness_name
  role                           = aws_iam_role.readiness["secondary"].arn
  runtime                        = "python3.12"
  handler                        = "readiness.handler"
  filename                       = data.archive_file.functions.output_path
  source_code_hash               = data.archive_file.functions.output_base64sha256
  timeout                        = 30
  memory_size                    = 128
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.platform_secondary.arn
  environment {
    variables = {
      TARGETS    = local.readiness_targets
      TIMEOUT_MS = "5000"
    }
  }
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.readiness_secondary.name
  }
  depends_on = [aws_iam_role_policy.readiness]
}

# ---- The schedule, per region, with its own role --------------------------------------------------
# Scheduler names the schedule group in aws:SourceArn when it assumes a role. The schedule is
# encrypted under the region's key: Scheduler decrypts it as this role, for this schedule only.
resource "aws_iam_role" "readiness_scheduler" {
  for_each = local.regions
  provider = aws.primary
  name     = "${local.name}-rdy-sched-${each.value}-${var.environment_suffix}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnEquals    = { "aws:SourceArn" = "${local.arn}:scheduler:${each.value}:${local.account}:schedule-group/default" }
      }
    }]
  })
}

resource "aws_iam_role_policy" "readiness_scheduler" {
  for_each = {
    primary   = { function = aws_lambda_function.readiness_primary.arn, key = aws_kms_key.platform_primary.arn, region = var.primary_region }
    secondary = { function = aws_lambda_function.readiness_secondary.arn, key = aws_kms_key.platform_secondary.arn, region = var.secondary_region }
  }
  provider = aws.primary
  name     = "invoke-readiness"
  role     = aws_iam_role.readiness_scheduler[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "InvokeTheRegionsReadinessFunction", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = [each.value.function, "${each.value.function}:*"] },
      {
        Sid      = "DecryptThisSchedule"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = each.value.key
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:scheduler:schedule:arn" = "${local.arn}:scheduler:${each.value.region}:${local.account}:schedule/default/${local.readiness_schedule_name}" }
        }
      },
    ]
  })
}

# A run more than an hour late is superseded by the next one: Scheduler gives up on it.
resource "aws_scheduler_schedule" "readiness_primary" {
  provider            = aws.primary
  name                = local.readiness_schedule_name
  schedule_expression = "rate(1 hour)"
  kms_key_arn         = aws_kms_key.platform_primary.arn
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.readiness_primary.arn
    role_arn = aws_iam_role.readiness_scheduler["primary"].arn
    input    = jsonencode({ scheduledTime = "<aws.scheduler.scheduled-time>" })
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }
}

resource "aws_scheduler_schedule" "readiness_secondary" {
  provider            = aws.secondary
  name                = local.readiness_schedule_name
  schedule_expression = "rate(1 hour)"
  kms_key_arn         = aws_kms_key.platform_secondary.arn
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.readiness_secondary.arn
    role_arn = aws_iam_role.readiness_scheduler["secondary"].arn
    input    = jsonencode({ scheduledTime = "<aws.scheduler.scheduled-time>" })
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }
  }
}

# ---- Alarms: in each region, one per target region, on that region's topic ------------------------
# Minimum of RegionServes over the hour below 1: the target failed /health or POST /trades in a run.
# No datum at all (the function or its schedule broken, or this region's CloudWatch refusing it)
# breaches too.
resource "aws_cloudwatch_metric_alarm" "readiness_primary" {
  for_each            = local.regions
  provider            = aws.primary
  alarm_name          = "${local.name}-readiness-${each.value}-${var.environment_suffix}"
  alarm_description   = "The hourly readiness test run in ${var.primary_region} found ${each.value} not serving through its regional name (GET /health or a signed POST /trades failed), or reported nothing. Notification only: the watchers decide a failover."
  namespace           = "Trading/Readiness"
  metric_name         = "RegionServes"
  dimensions          = { Region = each.value }
  statistic           = "Minimum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts_primary.arn]
  ok_actions          = [aws_sns_topic.alerts_primary.arn]
}

resource "aws_cloudwatch_metric_alarm" "readiness_secondary" {
  for_each            = local.regions
  provider            = aws.secondary
  alarm_name          = "${local.name}-readiness-${each.value}-${var.environment_suffix}"
  alarm_description   = "The hourly readiness test run in ${var.secondary_region} found ${each.value} not serving through its regional name (GET /health or a signed POST /trades failed), or reported nothing. Notification only: the watchers decide a failover."
  namespace           = "Trading/Readiness"
  metric_name         = "RegionServes"
  dimensions          = { Region = each.value }
  statistic           = "Minimum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts_secondary.arn]
  ok_actions          = [aws_sns_topic.alerts_secondary.arn]
}
