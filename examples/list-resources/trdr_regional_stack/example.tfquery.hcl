# search.tfquery.hcl, next to the provider configuration. `terraform query` lists every stack of
# environment dev in the provider's two regions (one ListTables per region);
# `terraform query -generate-config-out=stacks.tf` writes their resource and import blocks.
list "trdr_regional_stack" "dev" {
  provider = trdr

  config {
    environment_suffix = "dev"
  }
}

# One region only; with name and environment_suffix both given, nothing is listed: the stack is
# read directly.
list "trdr_regional_stack" "trading_dev_secondary" {
  provider = trdr

  config {
    name               = "trading"
    environment_suffix = "dev"
    region             = "us-east-2"
  }
}
