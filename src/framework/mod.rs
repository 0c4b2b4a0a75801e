//! The provider's own plugin framework: values, schemas, diagnostics, the generic planner and the
//! resource contract. Nothing here knows the wire protocol or AWS.

pub mod attr;
pub mod check;
pub mod diag;
pub mod plan;
pub mod resource;
pub mod schema;
pub mod upgrade;
pub mod validate;
pub mod value;

pub use attr::{Attr, BlockAttr};
pub use diag::{Diagnostics, Path};
pub use resource::{
    ActionType, DataSourceType, Found, IdentityField, PlanCall, PlanOutcome, ResourceType,
};
pub use schema::{Attribute, Block, Schema, Type};
pub use upgrade::Upgrader;
pub use value::Value;
