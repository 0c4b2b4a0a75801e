//! Our values, schemas, attribute paths and diagnostics in `tf-provider`'s types.

use std::borrow::Cow;

use tf_provider::schema as tfs;
use tf_provider::{AttributePath, AttributePathStep};

use crate::framework::diag::{Severity, Step};
use crate::framework::schema::{Mode, Nesting};
use crate::framework::{Diagnostics, IdentityField, Path, Schema, Type};

pub(super) fn push(into: &mut tf_provider::Diagnostics, from: Diagnostics) {
    for d in from.0 {
        let diag = tf_provider::Diagnostic {
            summary: d.summary.into(),
            detail: d.detail.into(),
            attribute: d.path.map(to_tf_path).unwrap_or_default(),
        };
        match d.severity {
            Severity::Error => into.add_error(diag),
            Severity::Warning => into.add_warning(diag),
        }
    }
}

pub(super) fn to_tf_path(p: Path) -> AttributePath {
    AttributePath {
        steps: p
            .0
            .into_iter()
            .map(|s| match s {
                Step::Attr(a) => AttributePathStep::Attribute(Cow::Owned(a)),
                Step::Index(i) => AttributePathStep::Index(i as i64),
                Step::Key(k) => AttributePathStep::Key(Cow::Owned(k)),
            })
            .collect(),
    }
}

fn to_tf_type(t: &Type) -> tfs::AttributeType {
    match t {
        Type::String => tfs::AttributeType::String,
        Type::Number => tfs::AttributeType::Number,
        Type::Bool => tfs::AttributeType::Bool,
        Type::List(i) => tfs::AttributeType::List(Box::new(to_tf_type(i))),
        Type::Set(i) => tfs::AttributeType::Set(Box::new(to_tf_type(i))),
        Type::Map(i) => tfs::AttributeType::Map(Box::new(to_tf_type(i))),
        Type::Object(attrs) => tfs::AttributeType::Object(
            attrs
                .iter()
                .map(|(n, t)| (n.clone(), to_tf_type(t)))
                .collect(),
        ),
    }
}

fn to_tf_block(b: &crate::framework::Block) -> tfs::Block {
    tfs::Block {
        version: 0,
        description: tfs::Description::markdown(&b.description),
        deprecated: false,
        attributes: b
            .attributes
            .iter()
            .map(|a| {
                (
                    a.name.to_string(),
                    tfs::Attribute {
                        attr_type: to_tf_type(&a.ty),
                        description: tfs::Description::markdown(&a.description),
                        constraint: match a.mode {
                            Mode::Required => tfs::AttributeConstraint::Required,
                            Mode::Optional => tfs::AttributeConstraint::Optional,
                            Mode::OptionalComputed => tfs::AttributeConstraint::OptionalComputed,
                            Mode::Computed => tfs::AttributeConstraint::Computed,
                        },
                        sensitive: a.sensitive,
                        deprecated: a.deprecated.is_some(),
                        write_only: a.write_only,
                    },
                )
            })
            .collect(),
        blocks: b
            .blocks
            .iter()
            .map(|nb| {
                let inner = to_tf_block(&nb.block);
                let nested = match nb.nesting {
                    Nesting::Single => tfs::NestedBlock::Single(inner),
                    Nesting::List {
                        min_items: 0,
                        max_items: 1,
                    } => tfs::NestedBlock::Optional(inner),
                    Nesting::List { .. } => tfs::NestedBlock::List(inner),
                };
                (nb.name.to_string(), nested)
            })
            .collect(),
    }
}

pub fn to_tf_schema(s: &Schema) -> tfs::Schema {
    tfs::Schema {
        version: s.version,
        block: to_tf_block(&s.block),
    }
}

/// An identity of string fields, all required to import by identity.
pub(super) fn to_tf_identity(fields: &[IdentityField]) -> tfs::IdentitySchema {
    tfs::IdentitySchema {
        version: 0,
        attributes: fields
            .iter()
            .map(|f| tfs::IdentityAttribute {
                name: f.name.to_string(),
                attr_type: tfs::AttributeType::String,
                required_for_import: true,
                optional_for_import: false,
                description: f.description.to_string(),
            })
            .collect(),
    }
}
