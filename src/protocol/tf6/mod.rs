//! Adapter from our framework to plugin protocol 6 through the `tf-provider` crate. This is the
//! only module that knows that crate; replacing the protocol layer means replacing this module.
//! One file per family of RPCs: `provider.rs` (schema, validation, configuration, stop),
//! `resource.rs` (resources: validation, plan, apply, read, import, identity, list),
//! `data_source.rs`, `action.rs`. Beneath them: `adapter.rs` holds each of our types behind the
//! crate's trait for it, `guard.rs` runs every call (a panic becomes a diagnostic, a stop winds
//! it down), and `convert.rs` puts our values, schemas, paths and diagnostics in the crate's
//! types. `robustness.rs` sends random input at every RPC.

mod action;
mod adapter;
mod convert;
mod data_source;
mod guard;
mod provider;
mod resource;
#[cfg(test)]
mod robustness;

pub use convert::to_tf_schema;
pub use provider::Tf6Provider;
