# One VPC per region with private subnets in three zones, for the database and the Lambdas.
module "network_primary" {
  source             = "./network"
  providers          = { aws = aws.primary }
  name               = "${local.name}-${var.primary_region}-${var.environment_suffix}"
  cidr               = "10.10.0.0/16"
  region             = var.primary_region
  environment_suffix = var.environment_suffix
}

module "network_secondary" {
  source             = "./network"
  providers          = { aws = aws.secondary }
  name               = "${local.name}-${var.secondary_region}-${var.environment_suffix}"
  cidr               = "10.20.0.0/16"
  region             = var.secondary_region
  environment_suffix = var.environment_suffix
}
