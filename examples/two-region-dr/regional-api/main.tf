# One region's REST API: POST /trades puts a trade on the region's queue (API Gateway's AWS
# integration with SQS SendMessage, as a role that may only send there), GET /health is answered by
# the region's health function (Lambda proxy integration). The stage logs every request (access log)
# and errors (execution log) into KMS-encrypted log groups, throttles, publishes metrics and traces,
# and sits behind an AWS WAF web ACL unless enable_waf is false.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "api" {
  type = object({ id = string, root_resource_id = string, execution_arn = string, name = string })
}

variable "region" {
  type = string
}

variable "name" {
  description = "Prefix of this region's names, e.g. trading-us-east-1-dev."
  type        = string
}

variable "queue_name" {
  description = "This region's trade queue."
  type        = string
}

variable "sqs_role_arn" {
  description = "The role API Gateway sends to the queue as."
  type        = string
}

variable "health_function_name" {
  type = string
}

variable "health_invoke_arn" {
  type = string
}

variable "health_path" {
  type = string
}

variable "health_timeout_ms" {
  description = "How long API Gateway waits for the health function."
  type        = number
}

variable "kms_key_arn" {
  type = string
}

variable "log_retention_days" {
  type = number
}

variable "throttle" {
  type = object({ rate = number, burst = number })
}

variable "enable_waf" {
  type = bool
}

variable "waf_rate_limit" {
  type = number
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  stage_name = "prod"
}

# ---- POST /trades → SQS --------------------------------------------------------------------------

resource "aws_api_gateway_resource" "trades" {
  rest_api_id = var.api.id
  parent_id   = var.api.root_resource_id
  path_part   = "trades"
}

# A trade must be a JSON object with a sessionId (what the processor keys the session table on).
resource "aws_api_gateway_model" "trade" {
  rest_api_id  = var.api.id
  name         = "Trade"
  content_type = "application/json"
  schema = jsonencode({
    "$schema"  = "http://json-schema.org/draft-04/schema#"
    type       = "object"
    required   = ["sessionId"]
    properties = { sessionId = { type = "string", minLength = 1, maxLength = 256 } }
  })
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id           = var.api.id
  name                  = "body"
  validate_request_body = true
}

# Callers authenticate with IAM (SigV4; SigV4a signs for every region, so a client need not know
# which region the failover record points at): execute-api:Invoke on .../prod/POST/trades.
resource "aws_api_gateway_method" "trades" {
  rest_api_id          = var.api.id
  resource_id          = aws_api_gateway_resource.trades.id
  http_method          = "POST"
  authorization        = "AWS_IAM"
  request_validator_id = aws_api_gateway_request_validator.body.id
  request_models       = { "application/json" = aws_api_gateway_model.trade.name }
}

resource "aws_api_gateway_integration" "trades" {
  rest_api_id             = var.api.id
  resource_id             = aws_api_gateway_resource.trades.id
  http_method             = aws_api_gateway_method.trades.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:${data.aws_partition.current.partition}:apigateway:${var.region}:sqs:path/${data.aws_caller_identity.current.account_id}/${var.queue_name}"
  credentials             = var.sqs_role_arn
  passthrough_behavior    = "NEVER"
  request_parameters = {
    "integration.request.header.Content-Type" = "'application/x-www-form-urlencoded'"
  }
  request_templates = {
    "application/json" = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
  }
}

resource "aws_api_gateway_method_response" "trades_accepted" {
  rest_api_id = var.api.id
  resource_id = aws_api_gateway_resource.trades.id
  http_method = aws_api_gateway_method.trades.http_method
  status_code = "202"
}

resource "aws_api_gateway_method_response" "trades_failed" {
  rest_api_id = var.api.id
  resource_id = aws_api_gateway_resource.trades.id
  http_method = aws_api_gateway_method.trades.http_method
  status_code = "503"
}

# Queued: 202 with SQS's message id. Anything SQS refuses: 503, without SQS's own error text.
resource "aws_api_gateway_integration_response" "trades_accepted" {
  rest_api_id = var.api.id
  resource_id = aws_api_gateway_resource.trades.id
  http_method = aws_api_gateway_method.trades.http_method
  status_code = aws_api_gateway_method_response.trades_accepted.status_code
  response_templates = {
    "application/json" = "{\"messageId\": $input.json('$.SendMessageResponse.SendMessageResult.MessageId')}"
  }
  depends_on = [aws_api_gateway_integration.trades]
}

resource "aws_api_gateway_integration_response" "trades_failed" {
  rest_api_id       = var.api.id
  resource_id       = aws_api_gateway_resource.trades.id
  http_method       = aws_api_gateway_method.trades.http_method
  status_code       = aws_api_gateway_method_response.trades_failed.status_code
  selection_pattern = "[45]\\d{2}"
  response_templates = {
    "application/json" = "{\"message\": \"trade not queued\"}"
  }
  depends_on = [aws_api_gateway_integration.trades]
}

# ---- GET /health → health function -------------------------------------------------------------

resource "aws_api_gateway_resource" "health" {
  rest_api_id = var.api.id
  parent_id   = var.api.root_resource_id
  path_part   = trimprefix(var.health_path, "/")
}

# Route 53's health checkers and the watchers call it without credentials; it reveals only "ok" or
# a short reason per check.
resource "aws_api_gateway_method" "health" {
  rest_api_id   = var.api.id
  resource_id   = aws_api_gateway_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "health" {
  rest_api_id             = var.api.id
  resource_id             = aws_api_gateway_resource.health.id
  http_method             = aws_api_gateway_method.health.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.health_invoke_arn
  timeout_milliseconds    = var.health_timeout_ms
}

resource "aws_lambda_permission" "health" {
  statement_id   = "ApiGatewayHealth"
  action         = "lambda:InvokeFunction"
  function_name  = var.health_function_name
  principal      = "apigateway.amazonaws.com"
  source_arn     = "${var.api.execution_arn}/*/GET${var.health_path}"
  source_account = data.aws_caller_identity.current.account_id
}

# ---- Deployment and stage -------------------------------------------------------------------------

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = var.api.id
  triggers = {
    redeploy = sha1(jsonencode([
      aws_api_gateway_resource.trades, aws_api_gateway_method.trades, aws_api_gateway_integration.trades,
      aws_api_gateway_integration_response.trades_accepted, aws_api_gateway_integration_response.trades_failed,
      aws_api_gateway_model.trade, aws_api_gateway_request_validator.body,
      aws_api_gateway_resource.health, aws_api_gateway_method.health, aws_api_gateway_integration.health,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.api.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# Declared so that the execution log (errors only) has a retention and the key; API Gateway would
# otherwise create this group itself, unencrypted and kept forever.
resource "aws_cloudwatch_log_group" "execution" {
  name              = "API-Gateway-Execution-Logs_${var.api.id}/${local.stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id          = var.api.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = local.stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      ip                 = "$context.identity.sourceIp"
      caller             = "$context.identity.caller"
      userArn            = "$context.identity.userArn"
      requestTime        = "$context.requestTime"
      domainName         = "$context.domainName"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integration.status"
      integrationLatency = "$context.integration.latency"
      wafStatus          = "$context.waf.status"
      errorMessage       = "$context.error.message"
    })
  }

  depends_on = [aws_cloudwatch_log_group.execution]
}

# Every method: throttled (stage-wide, per region), metrics on, errors logged, bodies never logged
# (they are trades).
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = var.api.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttle.rate
    throttling_burst_limit = var.throttle.burst
  }
}

# ---- WAF ----------------------------------------------------------------------------------------
# Rules in order: a per-IP rate limit; GET on the health path allowed past the managed rule groups
# (the failover signal must not depend on what an update of a managed group blocks, and it carries
# no body); AWS's common rule set and known bad inputs for everything else.

resource "aws_wafv2_web_acl" "this" {
  count = var.enable_waf ? 1 : 0
  name  = "${var.name}-api"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "health-probes"
    priority = 1
    action {
      allow {}
    }
    statement {
      and_statement {
        statement {
          byte_match_statement {
            search_string         = var.health_path
            positional_constraint = "EXACTLY"
            field_to_match {
              uri_path {}
            }
            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
        statement {
          byte_match_statement {
            search_string         = "GET"
            positional_constraint = "EXACTLY"
            field_to_match {
              method {}
            }
            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-health-probes"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 2
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 3
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-api"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count        = var.enable_waf ? 1 : 0
  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}

# WAF logs to CloudWatch Logs only into groups named aws-waf-logs-*.
resource "aws_cloudwatch_log_group" "waf" {
  count             = var.enable_waf ? 1 : 0
  name              = "aws-waf-logs-${var.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  count                   = var.enable_waf ? 1 : 0
  resource_arn            = aws_wafv2_web_acl.this[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # SigV4 signatures and session cookies stay out of the log.
  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
}

output "stage_name" {
  value = aws_api_gateway_stage.this.stage_name
}

output "stage_arn" {
  value = aws_api_gateway_stage.this.arn
}

output "web_acl_arn" {
  value = var.enable_waf ? aws_wafv2_web_acl.this[0].arn : null
}
