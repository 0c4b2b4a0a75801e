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

# Custom domains in each region: clients call record_name with a matching certificate; each
# region also answers on api-REGION.<zone>, which the failover record and the health check use.
module "domain_primary" {
  source        = "./regional-domain"
  providers     = { aws = aws.primary }
  api_id        = aws_api_gateway_rest_api.primary.id
  stage_name    = module.health_primary.stage_name
  zone_id       = var.zone_id
  record_name   = var.record_name
  regional_name = "api-${var.primary_region}.${local.zone_name}"
}

module "domain_secondary" {
  source        = "./regional-domain"
  providers     = { aws = aws.secondary }
  api_id        = aws_api_gateway_rest_api.secondary.id
  stage_name    = module.health_secondary.stage_name
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
