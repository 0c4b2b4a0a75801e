terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "api" {
  type = object({ id = string, root_resource_id = string })
}

variable "region" {
  type = string
}

resource "aws_api_gateway_resource" "health" {
  rest_api_id = var.api.id
  parent_id   = var.api.root_resource_id
  path_part   = "health"
}

resource "aws_api_gateway_method" "health" {
  rest_api_id   = var.api.id
  resource_id   = aws_api_gateway_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "health" {
  rest_api_id       = var.api.id
  resource_id       = aws_api_gateway_resource.health.id
  http_method       = aws_api_gateway_method.health.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "ok" {
  rest_api_id = var.api.id
  resource_id = aws_api_gateway_resource.health.id
  http_method = aws_api_gateway_method.health.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "ok" {
  rest_api_id        = var.api.id
  resource_id        = aws_api_gateway_resource.health.id
  http_method        = aws_api_gateway_method.health.http_method
  status_code        = aws_api_gateway_method_response.ok.status_code
  response_templates = { "application/json" = "{\"status\": \"ok\", \"region\": \"${var.region}\"}" }
  depends_on         = [aws_api_gateway_integration.health]
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = var.api.id
  triggers    = { redeploy = sha1(jsonencode([aws_api_gateway_integration.health, aws_api_gateway_integration_response.ok])) }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = var.api.id
  deployment_id = aws_api_gateway_deployment.this.id
  stage_name    = "prod"
}

output "stage_name" {
  value = aws_api_gateway_stage.prod.stage_name
}
