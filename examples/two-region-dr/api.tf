# The regional REST API of each region: POST /trades (→ the region's queue) and GET /health (→ the
# region's health function), in regional-api/. Clients reach it only through the custom domains
# (regional-domain/): the default execute-api endpoint is off, so the WAF, the certificate and the
# failover record cannot be bypassed.
resource "aws_api_gateway_rest_api" "primary" {
  provider                     = aws.primary
  name                         = "${local.name}-api-${var.environment_suffix}"
  disable_execute_api_endpoint = true
  endpoint_configuration {
    types = ["REGIONAL"]
  } # A replacement is serving before the old API goes (the custom domain's mapping moves to it).
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_rest_api" "secondary" {
  provider                     = aws.secondary
  name                         = "${local.name}-api-${var.environment_suffix}"
  disable_execute_api_endpoint = true
  endpoint_configuration {
    types = ["REGIONAL"]
  } # A replacement is serving before the old API goes (the custom domain's mapping moves to it).
  lifecycle {
    create_before_destroy = true
  }
}

# API Gateway writes logs with this account-wide (per region) setting's role; the stages' access
# and execution logs need it. One environment per account and region sets it
# (manage_api_gateway_account); the others rely on it.
resource "aws_api_gateway_account" "apigateway_primary" {
  count               = var.manage_api_gateway_account ? 1 : 0
  provider            = aws.primary
  cloudwatch_role_arn = aws_iam_role.apigateway_cloudwatch.arn
  depends_on          = [aws_iam_role_policy_attachment.apigateway_cloudwatch]
}

resource "aws_api_gateway_account" "apigateway_secondary" {
  count               = var.manage_api_gateway_account ? 1 : 0
  provider            = aws.secondary
  cloudwatch_role_arn = aws_iam_role.apigateway_cloudwatch.arn
  depends_on          = [aws_iam_role_policy_attachment.apigateway_cloudwatch]
}

module "api_primary" {
  source               = "./regional-api"
  providers            = { aws = aws.primary }
  api                  = aws_api_gateway_rest_api.primary
  region               = var.primary_region
  name                 = "${local.name}-${var.primary_region}-${var.environment_suffix}"
  queue_name           = aws_sqs_queue.trades_primary.name
  sqs_role_arn         = aws_iam_role.api_sqs["primary"].arn
  health_function_name = aws_lambda_function.health_primary.function_name
  health_invoke_arn    = aws_lambda_function.health_primary.invoke_arn
  health_path          = local.health_path
  health_timeout_ms    = var.health_budget_ms + 300
  kms_key_arn          = aws_kms_key.platform_primary.arn
  log_retention_days   = var.log_retention_days
  throttle             = var.api_throttle
  enable_waf           = var.enable_waf
  waf_rate_limit       = var.waf_rate_limit
  depends_on           = [aws_api_gateway_account.apigateway_primary]
}

module "api_secondary" {
  source               = "./regional-api"
  providers            = { aws = aws.secondary }
  api                  = aws_api_gateway_rest_api.secondary
  region               = var.secondary_region
  name                 = "${local.name}-${var.secondary_region}-${var.environment_suffix}"
  queue_name           = aws_sqs_queue.trades_secondary.name
  sqs_role_arn         = aws_iam_role.api_sqs["secondary"].arn
  health_function_name = aws_lambda_function.health_secondary.function_name
  health_invoke_arn    = aws_lambda_function.health_secondary.invoke_arn
  health_path          = local.health_path
  health_timeout_ms    = var.health_budget_ms + 300
  kms_key_arn          = aws_kms_key.platform_secondary.arn
  log_retention_days   = var.log_retention_days
  throttle             = var.api_throttle
  enable_waf           = var.enable_waf
  waf_rate_limit       = var.waf_rate_limit
  depends_on           = [aws_api_gateway_account.apigateway_secondary]
}

# Custom domains in each region: clients call record_name with a matching certificate; each
# region also answers on api-REGION.<zone>, which the failover record and the health check use.
module "domain_primary" {
  source        = "./regional-domain"
  providers     = { aws = aws.primary }
  api_id        = aws_api_gateway_rest_api.primary.id
  stage_name    = module.api_primary.stage_name
  zone_id       = var.zone_id
  record_name   = var.record_name
  regional_name = "api-${var.primary_region}.${local.zone_name}"
}

module "domain_secondary" {
  source        = "./regional-domain"
  providers     = { aws = aws.secondary }
  api_id        = aws_api_gateway_rest_api.secondary.id
  stage_name    = module.api_secondary.stage_name
  zone_id       = var.zone_id
  record_name   = var.record_name
  regional_name = "api-${var.secondary_region}.${local.zone_name}"
}

data "aws_route53_zone" "api" {
  provider = aws.primary
  zone_id  = var.zone_id
}

locals {
  zone_name = trimsuffix(data.aws_route53_zone.api.name, ".")
}
