# One region's private network: three private subnets with their own route table, no internet
# gateway and no NAT. Everything the functions call is reached through VPC endpoints (gateway
# endpoints for DynamoDB and S3, interface endpoints with private DNS for the rest), the database
# in the region directly, and the writer in the other region through the peering connection
# (routes added by the root module once the peering exists). Flow logs of the whole VPC go to a
# KMS-encrypted log group.
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
  description = "This VPC's CIDR block."
  type        = string
}

variable "peer_cidr" {
  description = "The other region's VPC CIDR block: its functions reach the global writer here through the peering connection."
  type        = string
}

variable "region" {
  type = string
}

variable "environment_suffix" {
  type = string
}

variable "kms_key_arn" {
  description = "This region's customer managed key (flow log group)."
  type        = string
}

variable "log_retention_days" {
  type = number
}

variable "interface_endpoints" {
  description = "Services reached through interface endpoints with private DNS."
  type        = list(string)
  default     = ["secretsmanager", "sqs"]
}

variable "zone_ids" {
  description = "The three Availability Zone ids (e.g. use1-az1) of the private subnets. Ids, not names: a name maps to a different zone in each account, and a list read from AWS shifts when a zone is impaired, replacing subnets in the middle of an incident."
  type        = list(string)

  validation {
    condition     = length(var.zone_ids) == 3 && length(distinct(var.zone_ids)) == 3
    error_message = "zone_ids: three distinct Availability Zone ids."
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  arn     = "arn:${data.aws_partition.current.partition}"
  account = data.aws_caller_identity.current.account_id
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_hostnames = true # interface endpoints' private DNS needs both
  enable_dns_support   = true
  tags                 = { Name = var.name }
}

# The VPC's default security group allows nothing: everything uses the groups below.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name}-default-deny" }
}

resource "aws_subnet" "private" {
  count                   = 3
  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.cidr, 4, count.index)
  availability_zone_id    = var.zone_ids[count.index]
  map_public_ip_on_launch = false
  tags                    = { Name = "${var.name}-private-${count.index}" }
}

# The private subnets' route table: the local route, the gateway endpoints' prefix lists (added by
# AWS through route_table_ids below) and the peer VPC (aws_route in the root module). No default
# route: nothing here reaches the internet.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name}-private" }
}

resource "aws_route_table_association" "private" {
  count          = 3
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

# ---- Security groups ----------------------------------------------------------------------------

resource "aws_security_group" "database" {
  name        = "${var.name}-db"
  description = "Aurora: PostgreSQL from the functions of this region and of the peer region"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-db" }
}

resource "aws_security_group" "lambda" {
  name        = "${var.name}-lambda"
  description = "Trade processor and health functions: out to the endpoints and the database only"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-lambda" }
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the functions only"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_lambda" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the functions of this region"
  referenced_security_group_id = aws_security_group.lambda.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

# Security groups cannot be referenced across regions, so the peer's functions are admitted by
# their VPC's CIDR: they write through the global writer endpoint, which is in this region while
# it writes.
resource "aws_vpc_security_group_ingress_rule" "db_from_peer" {
  security_group_id = aws_security_group.database.id
  description       = "PostgreSQL from the functions of the peer region (global writer endpoint)"
  cidr_ipv4         = var.peer_cidr
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_lambda" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from the functions"
  referenced_security_group_id = aws_security_group.lambda.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_endpoints" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "HTTPS to the interface endpoints"
  referenced_security_group_id = aws_security_group.endpoints.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_gateway_endpoints" {
  for_each          = { dynamodb = aws_vpc_endpoint.dynamodb.prefix_list_id, s3 = aws_vpc_endpoint.s3.prefix_list_id }
  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to ${each.key} through its gateway endpoint"
  prefix_list_id    = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_db" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "PostgreSQL to the cluster of this region"
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_peer_db" {
  security_group_id = aws_security_group.lambda.id
  description       = "PostgreSQL to the global writer while it is in the peer region"
  cidr_ipv4         = var.peer_cidr
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
}

# ---- VPC endpoints ------------------------------------------------------------------------------

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  tags              = { Name = "${var.name}-dynamodb" }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  tags              = { Name = "${var.name}-s3" }
}

resource "aws_vpc_endpoint" "interface" {
  for_each            = toset(var.interface_endpoints)
  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
  tags                = { Name = "${var.name}-${each.key}" }
}

# ---- Flow logs ----------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "flow" {
  name              = "/vpc/${var.name}/flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_iam_role" "flow" {
  name = "${var.name}-flow-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnLike      = { "aws:SourceArn" = "${local.arn}:ec2:${var.region}:${local.account}:vpc-flow-log/*" }
      }
    }]
  })
}

resource "aws_iam_role_policy" "flow" {
  name = "deliver-flow-logs"
  role = aws_iam_role.flow.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = ["${aws_cloudwatch_log_group.flow.arn}:*"]
      }, {
      Effect   = "Allow"
      Action   = ["logs:DescribeLogGroups"]
      Resource = ["${local.arn}:logs:${var.region}:${local.account}:log-group:*"]
    }]
  })
}

resource "aws_flow_log" "this" {
  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow.arn
  iam_role_arn             = aws_iam_role.flow.arn
  max_aggregation_interval = 60
  depends_on               = [aws_iam_role_policy.flow]
}

resource "aws_db_subnet_group" "this" {
  name       = "trading-db-${var.region}-${var.environment_suffix}"
  subnet_ids = aws_subnet.private[*].id
}

output "vpc_id" {
  value = aws_vpc.this.id
}

output "subnet_ids" {
  value = aws_subnet.private[*].id
}

output "route_table_id" {
  description = "The private subnets' route table (the root module adds the peering route)."
  value       = aws_route_table.private.id
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

output "endpoint_ids" {
  description = "Each VPC endpoint's id, by service."
  value = merge(
    { dynamodb = aws_vpc_endpoint.dynamodb.id, s3 = aws_vpc_endpoint.s3.id },
    { for k, e in aws_vpc_endpoint.interface : k => e.id },
  )
}
