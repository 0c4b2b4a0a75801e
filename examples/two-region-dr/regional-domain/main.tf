# One region's custom domains for the API, so that clients calling `record_name` get a certificate
# for that name (the default execute-api host names have certificates for *.execute-api only):
# - `record_name` (e.g. api.trading.example.com): what clients call; the failover record pair
#   resolves it to this region's regional domain name;
# - `regional_name` (e.g. api-us-east-1.trading.example.com): this region alone, which the Route 53
#   health check probes (API Gateway routes a custom domain by its host name, so the checker must
#   ask for one it serves) and which the failover record points at.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "api_id" {
  type = string
}

variable "stage_name" {
  type = string
}

variable "zone_id" {
  type = string
}

variable "record_name" {
  type = string
}

variable "regional_name" {
  type = string
}

# A regional certificate (API Gateway needs it in the API's region) for both names.
resource "aws_acm_certificate" "this" {
  domain_name               = var.record_name
  subject_alternative_names = [var.regional_name]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Both regions validate the same record_name: allow_overwrite lets the second write the same
# validation record.
resource "aws_route53_record" "validation" {
  for_each = {
    for o in aws_acm_certificate.this.domain_validation_options : o.domain_name => o
  }
  zone_id         = var.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_api_gateway_domain_name" "this" {
  for_each                 = toset([var.record_name, var.regional_name])
  domain_name              = each.key
  regional_certificate_arn = aws_acm_certificate_validation.this.certificate_arn
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

# The stage at the root of both names: https://api.trading.example.com/health.
resource "aws_api_gateway_base_path_mapping" "this" {
  for_each    = aws_api_gateway_domain_name.this
  api_id      = var.api_id
  stage_name  = var.stage_name
  domain_name = each.value.domain_name
}

# regional_name → this region's API Gateway endpoint. record_name itself is the failover pair
# that trdr_failover_orchestrator manages.
resource "aws_route53_record" "regional" {
  zone_id = var.zone_id
  name    = var.regional_name
  type    = "CNAME"
  ttl     = 60
  records = [aws_api_gateway_domain_name.this[var.regional_name].regional_domain_name]
}

output "fqdn" {
  description = "The host the failover record points at and the health check probes."
  value       = aws_route53_record.regional.fqdn
}
