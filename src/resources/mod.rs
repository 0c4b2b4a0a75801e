//! One module per composite resource.

pub mod global_database;
pub mod regional_stack;
