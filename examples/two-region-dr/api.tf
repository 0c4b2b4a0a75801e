# An API with a /health endpoint in each region; the failover record pair points at them.
resource "aws_api_gateway_rest_api" "primary" {
  provider = aws.primary
  name     = "${local.name}-api-${var.environment_suffix}"
}

resource "aws_api_gateway_rest_api" "secondary" {
  provider = aws.secondary
  name     = "${local.name}-api-${var.environment_suffix}"
}

module "health_primary" {
  source    = "./health-endpoint"
  providers = { aws = aws.primary }
  api       = aws_api_gateway_rest_api.primary
  region    = var.primary_region
}

module "health_secondary" {
  source    = "./health-endpoint"
  providers = { aws = aws.secondary }
  api       = aws_api_gateway_rest_api.secondary
  region    = var.secondary_region
}
