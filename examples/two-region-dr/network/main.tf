terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

variable "region" {
  type = string
}

variable "environment_suffix" {
  type = string
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  enable_dns_support   = true
  tags                 = { Name = var.name }
}

resource "aws_subnet" "private" {
  count             = 3
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr, 4, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "${var.name}-private-${count.index}" }
}

resource "aws_security_group" "database" {
  name        = "${var.name}-db"
  description = "Aurora: PostgreSQL from the Lambdas only"
  vpc_id      = aws_vpc.this.id
}

resource "aws_security_group" "lambda" {
  name        = "${var.name}-lambda"
  description = "Trade processor and readiness Lambdas"
  vpc_id      = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_lambda" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.lambda.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_egress_rule" "lambda_out" {
  security_group_id = aws_security_group.lambda.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_db_subnet_group" "this" {
  name       = "trading-db-${var.region}-${var.environment_suffix}"
  subnet_ids = aws_subnet.private[*].id
}

output "subnet_ids" {
  value = aws_subnet.private[*].id
}

output "db_subnet_group" {
  value = aws_db_subnet_group.this.name
}

output "db_security_group" {
  value = aws_security_group.database.id
}

output "lambda_security_group" {
  value = aws_security_group.lambda.id
}
