//! One module per composite resource; [`composite`] is the lifecycle they share.

pub mod composite;
pub mod failover_orchestrator;
pub mod global_database;
pub mod regional_stack;
