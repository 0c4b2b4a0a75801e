//! The wire protocol. Only `tf6` knows the protocol crate.

pub mod tf6;
