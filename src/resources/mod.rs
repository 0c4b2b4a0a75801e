//! One module per composite resource.

pub mod regional_stack;
