# A stack is imported by its id, name:environment_suffix:region. A secondary's replica_of,
# replication role and bucket purposes are discovered.
terraform import trdr_regional_stack.primary trading:dev:us-east-1
terraform import trdr_regional_stack.secondary trading:dev:us-east-2
