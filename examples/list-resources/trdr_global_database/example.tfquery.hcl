# search.tfquery.hcl, next to the provider configuration. `terraform query` lists the global
# databases trdr made (global clusters tagged ManagedBy = trdr) of every environment named
# trading; `-generate-config-out=databases.tf` writes their resource and import blocks.
list "trdr_global_database" "trading" {
  provider = trdr

  config {
    name = "trading"
  }
}
