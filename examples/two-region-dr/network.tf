# One VPC per region with private subnets in three zones, for the database and the functions, and
# VPC endpoints for every AWS service the functions call (network/main.tf): no NAT, no internet
# gateway. The two VPCs are peered (requester in the primary region, accepter in the secondary)
# so that each region's functions reach the Aurora global writer endpoint wherever it writes.
module "network_primary" {
  source             = "./network"
  providers          = { aws = aws.primary }
  name               = "${local.name}-${var.primary_region}-${var.environment_suffix}"
  cidr               = var.primary_cidr
  peer_cidr          = var.secondary_cidr
  zone_ids           = var.primary_zone_ids
  region             = var.primary_region
  environment_suffix = var.environment_suffix
  kms_key_arn        = aws_kms_key.platform_primary.arn
  log_retention_days = var.log_retention_days
}

module "network_secondary" {
  source             = "./network"
  providers          = { aws = aws.secondary }
  name               = "${local.name}-${var.secondary_region}-${var.environment_suffix}"
  cidr               = var.secondary_cidr
  peer_cidr          = var.primary_cidr
  zone_ids           = var.secondary_zone_ids
  region             = var.secondary_region
  environment_suffix = var.environment_suffix
  kms_key_arn        = aws_kms_key.platform_secondary.arn
  log_retention_days = var.log_retention_days
}

# Inter-region peering: requested from the primary region, accepted in the secondary (an
# inter-region request cannot be auto-accepted by the requester).
resource "aws_vpc_peering_connection" "peering_primary" {
  provider      = aws.primary
  vpc_id        = module.network_primary.vpc_id
  peer_vpc_id   = module.network_secondary.vpc_id
  peer_owner_id = local.account
  peer_region   = var.secondary_region
  auto_accept   = false
  tags          = { Name = "${local.name}-${var.environment_suffix}", Side = "requester" }
}

resource "aws_vpc_peering_connection_accepter" "peering_secondary" {
  provider                  = aws.secondary
  vpc_peering_connection_id = aws_vpc_peering_connection.peering_primary.id
  auto_accept               = true
  tags                      = { Name = "${local.name}-${var.environment_suffix}", Side = "accepter" }
}

# Routes both ways, each in its own region. The secondary's route waits for the acceptance (it
# refers to the accepter); the primary's names the accepter's id for the same reason.
resource "aws_route" "to_secondary_primary" {
  provider                  = aws.primary
  route_table_id            = module.network_primary.route_table_id
  destination_cidr_block    = var.secondary_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.peering_primary.id
  depends_on                = [aws_vpc_peering_connection_accepter.peering_secondary]
}

resource "aws_route" "to_primary_secondary" {
  provider                  = aws.secondary
  route_table_id            = module.network_secondary.route_table_id
  destination_cidr_block    = var.primary_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection_accepter.peering_secondary.id
}
