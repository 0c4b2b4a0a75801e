//! One module per data source.

pub mod failover_readiness;
