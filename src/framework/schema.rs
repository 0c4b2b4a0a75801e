//! Declarative schemas. Each attribute carries its description (the documentation), its type, and
//! the reusable behaviours the generic planner applies: defaults, requires-replace and
//! use-state-for-unknown. Resources declare these once instead of open-coding them.
//!
//! These are the framework's plain data types: they depend on values and checks only. Typed
//! declarations (the attr module) build them, and the planner and the validator read them.

use super::check::Check;
use super::value::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(Vec<(String, Type)>),
}

impl Type {
    pub fn list_of_strings() -> Self {
        Type::List(Box::new(Type::String))
    }
    pub fn set_of_strings() -> Self {
        Type::Set(Box::new(Type::String))
    }
    pub fn map_of_strings() -> Self {
        Type::Map(Box::new(Type::String))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Optional in configuration; when unset the provider supplies the value (a default or AWS).
    OptionalComputed,
    Computed,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: Type,
    pub mode: Mode,
    pub description: String,
    pub sensitive: bool,
    /// Planned when the configuration leaves the attribute null.
    pub default: Option<Value>,
    /// A change to this attribute forces a new resource.
    pub requires_replace: bool,
    /// A computed value that does not change once known: the plan keeps the prior value instead of
    /// showing "(known after apply)".
    pub use_state_for_unknown: bool,
    /// Validators the framework runs on the configured value (see the validate module).
    pub checks: &'static [Check],
    /// Write-only (Terraform 1.11+): the configuration carries it to the apply; plan and state
    /// never hold it.
    pub write_only: bool,
    /// Deprecated, with what to use instead: configuring it warns.
    pub deprecated: Option<&'static str>,
}

impl Attribute {
    fn new(name: &'static str, ty: Type, mode: Mode, description: &str) -> Self {
        Attribute {
            name,
            ty,
            mode,
            description: description.to_string(),
            sensitive: false,
            default: None,
            requires_replace: false,
            use_state_for_unknown: false,
            checks: &[],
            write_only: false,
            deprecated: None,
        }
    }

    pub fn required(name: &'static str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::Required, description)
    }

    pub fn optional(name: &'static str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::Optional, description)
    }

    pub fn computed(name: &'static str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::Computed, description)
    }

    /// Optional with a default the plan fills in (so the default is visible in plans and state).
    pub fn with_default(
        name: &'static str,
        ty: Type,
        default: impl Into<Value>,
        description: &str,
    ) -> Self {
        let mut a = Self::new(name, ty, Mode::OptionalComputed, description);
        a.default = Some(default.into());
        a
    }

    /// Optional; when unset, the provider decides (e.g. from the provider block or AWS).
    pub fn optional_computed(name: &'static str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Mode::OptionalComputed, description)
    }

    pub fn replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    pub fn stable(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// Exactly one block.
    Single,
    /// A list of blocks with bounds; `max_items: 1` is the usual "optional block".
    List { min_items: usize, max_items: usize },
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub name: &'static str,
    pub nesting: Nesting,
    pub block: Block,
    /// A change inside this block forces a new resource.
    pub requires_replace: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
}

impl Block {
    pub fn new(description: &str) -> Self {
        Block {
            description: description.to_string(),
            ..Default::default()
        }
    }

    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }

    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }

    /// An optional block: a list of at most one.
    pub fn optional_block(self, name: &'static str, block: Block) -> Self {
        self.block(NestedBlock {
            name,
            nesting: Nesting::List {
                min_items: 0,
                max_items: 1,
            },
            block,
            requires_replace: false,
        })
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}
