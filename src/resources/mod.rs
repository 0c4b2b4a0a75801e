//! One module per composite resource.

pub mod failover_orchestrator;
pub mod global_database;
pub mod regional_stack;
