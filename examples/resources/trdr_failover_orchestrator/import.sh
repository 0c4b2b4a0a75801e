# An orchestrator is imported by name:environment_suffix; its runbooks, health checks and
# records are discovered.
terraform import trdr_failover_orchestrator.trading trading:dev
