# A global database is imported by its global cluster identifier; the members in both regions
# are discovered.
terraform import trdr_global_database.trading trading-global-dev
