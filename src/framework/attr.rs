//! Typed attribute declarations. Each attribute is declared once, as a constant: its name, value
//! type, mode, default, plan behaviour, validators and documentation. The schema is assembled from
//! these constants ([`Attr::schema`]), a model reads through them with the default applied
//! ([`Attr::get`]) and a read writes through them ([`Attr::put`]): an attribute's name is spelled
//! once, a misspelt constant does not compile, and the model's default is the schema's.
//!
//! ```
//! use trdr::framework::attr::Attr;
//! use trdr::framework::validate::Check;
//! use trdr::framework::Value;
//!
//! const DAYS: Attr<i64> = Attr::optional("days", "Days to keep (default 7).")
//!     .default(7)
//!     .checks(&[Check::Whole, Check::Range(1.0, 35.0)]);
//!
//! let mut v = Value::object();
//! assert_eq!(DAYS.get(&v), Some(7));
//! DAYS.put(&mut v, 30);
//! assert_eq!(DAYS.get(&v), Some(30));
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;

use super::check::Check;
use super::diag::Path;
use super::schema::{Attribute, Block, Mode, NestedBlock, Nesting, Type};
use super::value::Value;

/// A Rust type an attribute holds: its Terraform type, how it is read from a value, and how a
/// constant writes its default.
pub trait Kind: Sized {
    /// The default as a constant can hold it.
    type Const: Copy + 'static;
    fn ty() -> Type;
    fn read(v: &Value) -> Option<Self>;
    fn constant(c: Self::Const) -> Self;
    fn into_value(self) -> Value;
}

/// A scalar: its Terraform type, how a value holds it, and how it becomes one.
macro_rules! scalar {
    ($t:ty, $const:ty, $ty:expr, $read:expr, $constant:expr) => {
        impl Kind for $t {
            type Const = $const;
            fn ty() -> Type {
                $ty
            }
            fn read(v: &Value) -> Option<Self> {
                $read(v)
            }
            fn constant(c: $const) -> Self {
                $constant(c)
            }
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
    };
}

scalar!(
    String,
    &'static str,
    Type::String,
    |v: &Value| v.as_str().map(str::to_string),
    str::to_string
);
scalar!(bool, bool, Type::Bool, Value::as_bool, |c| c);
// A whole number (validated with `Check::Whole` where a fraction would be wrong).
scalar!(
    i64,
    i64,
    Type::Number,
    |v: &Value| v.as_f64().map(|n| n as i64),
    |c| c
);
scalar!(f64, f64, Type::Number, Value::as_f64, |c| c);

impl Kind for Vec<String> {
    type Const = &'static [&'static str];
    fn ty() -> Type {
        Type::list_of_strings()
    }
    fn read(v: &Value) -> Option<Self> {
        v.as_list().map(|l| {
            l.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
    }
    fn constant(c: Self::Const) -> Self {
        c.iter().map(|s| s.to_string()).collect()
    }
    fn into_value(self) -> Value {
        Value::string_list(self)
    }
}

impl Kind for BTreeMap<String, String> {
    type Const = &'static [(&'static str, &'static str)];
    fn ty() -> Type {
        Type::map_of_strings()
    }
    fn read(v: &Value) -> Option<Self> {
        v.as_map().map(|m| {
            m.iter()
                .filter_map(|(k, s)| Some((k.clone(), s.as_str()?.to_string())))
                .collect()
        })
    }
    fn constant(c: Self::Const) -> Self {
        c.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    fn into_value(self) -> Value {
        Value::string_map(self)
    }
}

/// Any value; the declaration states its type with [`Attr::of_type`] (lists of objects, say).
impl Kind for Value {
    type Const = ();
    fn ty() -> Type {
        Type::Object(Vec::new())
    }
    fn read(v: &Value) -> Option<Self> {
        (!v.is_null()).then(|| v.clone())
    }
    fn constant(_: ()) -> Self {
        Value::Null
    }
    fn into_value(self) -> Value {
        self
    }
}

/// One attribute, declared once. See the module documentation.
pub struct Attr<T: Kind> {
    pub name: &'static str,
    mode: Mode,
    doc: &'static str,
    ty: fn() -> Type,
    default: Option<T::Const>,
    replace: bool,
    stable: bool,
    sensitive: bool,
    write_only: bool,
    deprecated: Option<&'static str>,
    checks: &'static [Check],
    _kind: PhantomData<fn() -> T>,
}

impl<T: Kind> Attr<T> {
    const fn new(name: &'static str, mode: Mode, doc: &'static str) -> Self {
        Attr {
            name,
            mode,
            doc,
            ty: T::ty,
            default: None,
            replace: false,
            stable: false,
            sensitive: false,
            write_only: false,
            deprecated: None,
            checks: &[],
            _kind: PhantomData,
        }
    }

    pub const fn required(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, Mode::Required, doc)
    }

    pub const fn optional(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, Mode::Optional, doc)
    }

    /// Optional; when unset the provider decides (from the provider block or AWS).
    pub const fn optional_computed(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, Mode::OptionalComputed, doc)
    }

    pub const fn computed(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, Mode::Computed, doc)
    }

    /// The value the plan fills in when the configuration leaves the attribute null, so it shows
    /// in plans and state; the model reads it too.
    pub const fn default(mut self, d: T::Const) -> Self {
        self.default = Some(d);
        self.mode = Mode::OptionalComputed;
        self
    }

    /// What the model reads when the configuration leaves the attribute null, without planning
    /// it: for the provider block, which Terraform neither plans nor stores.
    pub const fn otherwise(mut self, d: T::Const) -> Self {
        self.default = Some(d);
        self
    }

    /// A change forces a new resource.
    pub const fn replace(mut self) -> Self {
        self.replace = true;
        self
    }

    /// A computed value that does not change once known: plans keep the prior value.
    pub const fn stable(mut self) -> Self {
        self.stable = true;
        self
    }

    pub const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Write-only (Terraform 1.11+, protocol 6.8): only the configuration holds it; the apply
    /// sees it, plan and state hold null. Sensitive too.
    pub const fn write_only(mut self) -> Self {
        self.write_only = true;
        self.sensitive = true;
        self
    }

    /// Deprecated: the schema says so, and a configuration that sets it gets a warning at its
    /// path with `instead` (which names the replacement) from every validation.
    pub const fn deprecated(mut self, instead: &'static str) -> Self {
        self.deprecated = Some(instead);
        self
    }

    /// Validators the framework runs on the configured value (known, non-null), reporting at this
    /// attribute's path.
    pub const fn checks(mut self, checks: &'static [Check]) -> Self {
        self.checks = checks;
        self
    }

    /// The Terraform type, for `Attr<Value>`.
    pub const fn of_type(mut self, ty: fn() -> Type) -> Self {
        self.ty = ty;
        self
    }

    /// The value in `v`, else the default.
    pub fn get(&self, v: &Value) -> Option<T> {
        T::read(v.get(self.name)).or_else(|| self.default_value())
    }

    pub fn default_value(&self) -> Option<T> {
        self.default.map(T::constant)
    }

    /// The value in `v` as it is: null, unknown or known.
    pub fn raw<'a>(&self, v: &'a Value) -> &'a Value {
        v.get(self.name)
    }

    pub fn put(&self, v: &mut Value, x: impl Into<Value>) {
        v.set(self.name, x);
    }

    /// This attribute at the top level.
    pub fn path(&self) -> Path {
        Path::attr(self.name)
    }

    /// This attribute inside the block at `block`.
    pub fn under(&self, block: &Path) -> Path {
        block.then(self.name)
    }

    /// The schema's view of the declaration.
    pub fn schema(&self) -> Attribute {
        Attribute {
            name: self.name,
            ty: (self.ty)(),
            mode: self.mode,
            description: self.doc.to_string(),
            sensitive: self.sensitive,
            default: self.default_value().map(Kind::into_value),
            requires_replace: self.replace,
            use_state_for_unknown: self.stable,
            checks: self.checks,
            write_only: self.write_only,
            deprecated: self.deprecated,
        }
    }
}

/// Any declared attribute, whatever its type: what a schema lists.
pub trait Declared {
    fn attribute(&self) -> Attribute;
}

impl<T: Kind> Declared for Attr<T> {
    fn attribute(&self) -> Attribute {
        self.schema()
    }
}

/// A nested block, declared once: a single block, or an optional one (a list of at most one).
pub struct BlockAttr {
    pub name: &'static str,
    doc: &'static str,
    nesting: Nesting,
}

impl BlockAttr {
    /// Exactly one block.
    pub const fn single(name: &'static str, doc: &'static str) -> Self {
        BlockAttr {
            name,
            doc,
            nesting: Nesting::Single,
        }
    }

    /// At most one block.
    pub const fn optional(name: &'static str, doc: &'static str) -> Self {
        BlockAttr {
            name,
            doc,
            nesting: Nesting::List {
                min_items: 0,
                max_items: 1,
            },
        }
    }

    /// The block's object in `v` (null when absent).
    pub fn of<'a>(&self, v: &'a Value) -> &'a Value {
        match self.nesting {
            Nesting::Single => v.get(self.name),
            Nesting::List { .. } => v.get(self.name).first_block(),
        }
    }

    /// The block's object in `v`, to change in place (None when absent).
    pub fn of_mut<'a>(&self, v: &'a mut Value) -> Option<&'a mut Value> {
        let b = v.get_mut(self.name)?;
        match self.nesting {
            Nesting::Single => (!b.is_null()).then_some(b),
            Nesting::List { .. } => b.first_block_mut(),
        }
    }

    /// Sets the block's object in `v`.
    pub fn put(&self, v: &mut Value, block: Value) {
        match self.nesting {
            Nesting::Single => v.set(self.name, block),
            Nesting::List { .. } => v.set(self.name, Value::List(vec![block])),
        }
    }

    /// Where the block's attributes are: `name` or `name[0]`.
    pub fn path(&self) -> Path {
        match self.nesting {
            Nesting::Single => Path::attr(self.name),
            Nesting::List { .. } => Path::attr(self.name).index(0),
        }
    }

    /// The schema's view, with the block's own attributes in `block` (its description is ours
    /// unless we have none).
    pub fn schema(&self, mut block: Block) -> NestedBlock {
        if !self.doc.is_empty() {
            block.description = self.doc.to_string();
        }
        NestedBlock {
            name: self.name,
            nesting: self.nesting,
            block,
            requires_replace: false,
        }
    }
}

/// Assembling a schema block from declarations. These live here, beside the declarations, so
/// the schema's types need not know them.
impl Block {
    /// The declared attributes, in order.
    pub fn with(mut self, attrs: &[&dyn Declared]) -> Self {
        self.attributes.extend(attrs.iter().map(|a| a.attribute()));
        self
    }

    /// A nested block declared with [`BlockAttr`].
    pub fn nest(self, key: &BlockAttr, block: Block) -> Self {
        self.block(key.schema(block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKETS: Attr<Vec<String>> =
        Attr::optional("buckets", "Purposes.").default(&["config", "audit-logs"] as &[&str]);
    const REGION: Attr<String> = Attr::required("region", "Region.").replace();

    #[test]
    fn reads_with_the_declared_default_and_writes_by_name() {
        let mut v = Value::object();
        assert_eq!(
            BUCKETS.get(&v),
            Some(vec!["config".into(), "audit-logs".into()])
        );
        assert_eq!(REGION.get(&v), None);
        REGION.put(&mut v, "us-east-1");
        assert_eq!(REGION.get(&v).as_deref(), Some("us-east-1"));
        let a = BUCKETS.schema();
        assert_eq!(a.mode, Mode::OptionalComputed);
        assert_eq!(
            a.default,
            Some(Value::string_list(["config", "audit-logs"]))
        );
        assert!(REGION.schema().requires_replace);
    }
}
