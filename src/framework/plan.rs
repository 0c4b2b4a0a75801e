//! The generic planner: what every resource's plan has in common, driven by the schema's
//! declared behaviours (defaults, requires-replace, use-state-for-unknown). Resources then adjust
//! the result for what only they know.

use super::diag::Path;
use super::schema::{Block, Mode, Nesting, Type};
use super::value::Value;

/// Fills in every attribute and block the schema declares, so values sent to Terraform always have
/// the exact shape of the schema (absent attributes are null, absent list blocks are empty).
pub fn conform(block: &Block, value: &Value) -> Value {
    if value.is_unknown() {
        return Value::Unknown;
    }
    let mut out = Value::object();
    for a in &block.attributes {
        out.set(a.name, conform_type(&a.ty, value.get(a.name)));
    }
    for nb in &block.blocks {
        let v = value.get(nb.name);
        let conformed = match nb.nesting {
            Nesting::Single if v.is_null() => Value::Null,
            Nesting::Single => conform(&nb.block, v),
            Nesting::List { .. } => match v {
                Value::Unknown => Value::Unknown,
                Value::List(items) => {
                    Value::List(items.iter().map(|i| conform(&nb.block, i)).collect())
                }
                _ => Value::List(Vec::new()),
            },
        };
        out.set(nb.name, conformed);
    }
    out
}

fn conform_type(ty: &Type, v: &Value) -> Value {
    match (ty, v) {
        (_, Value::Null) | (_, Value::Unknown) => v.clone(),
        (Type::Object(attrs), Value::Map(_)) => {
            let mut out = Value::object();
            for (name, t) in attrs {
                out.set(name, conform_type(t, v.get(name)));
            }
            out
        }
        (Type::List(t) | Type::Set(t), Value::List(items)) => {
            Value::List(items.iter().map(|i| conform_type(t, i)).collect())
        }
        (Type::Map(t), Value::Map(map)) => Value::Map(
            map.iter()
                .map(|(k, i)| (k.clone(), conform_type(t, i)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// The planned state before resource-specific adjustments, and the attribute paths whose change
/// forces replacement.
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<Path>,
}

/// Plans `config` against `prior` (None when creating).
pub fn plan(block: &Block, prior: Option<&Value>, config: &Value) -> Planned {
    let mut state = plan_block(block, prior, config);
    let mut requires_replace = Vec::new();
    if let Some(prior) = prior {
        if changed_ignoring_computed(block, prior, &state) {
            unknown_computed(block, &mut state);
        }
        replace_paths(block, prior, &state, &Path::root(), &mut requires_replace);
    }
    Planned {
        state,
        requires_replace,
    }
}

fn plan_block(block: &Block, prior: Option<&Value>, config: &Value) -> Value {
    let mut out = Value::object();
    for a in &block.attributes {
        let configured = config.get(a.name);
        let prior_v = prior.map(|p| p.get(a.name));
        let v = match a.mode {
            Mode::Required | Mode::Optional => configured.clone(),
            Mode::OptionalComputed if !configured.is_null() => configured.clone(),
            Mode::OptionalComputed | Mode::Computed => match (&a.default, prior_v) {
                (Some(d), _) => d.clone(),
                (None, Some(p)) if !p.is_null() => p.clone(),
                (None, _) => Value::Unknown,
            },
        };
        out.set(a.name, v);
    }
    for nb in &block.blocks {
        let configured = config.get(nb.name);
        let prior_v = prior.map(|p| p.get(nb.name));
        let v = match (nb.nesting, configured) {
            (_, Value::Unknown) => Value::Unknown,
            (Nesting::Single, c) if c.is_null() => Value::Null,
            (Nesting::Single, c) => plan_block(&nb.block, prior_v, c),
            (Nesting::List { .. }, Value::List(items)) => Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = prior_v.and_then(|p| p.as_list()).and_then(|l| l.get(i));
                        plan_block(&nb.block, p, item)
                    })
                    .collect(),
            ),
            (Nesting::List { .. }, _) => Value::List(Vec::new()),
        };
        out.set(nb.name, v);
    }
    out
}

/// Did anything the user controls change? Only then may computed values move.
fn changed_ignoring_computed(block: &Block, prior: &Value, planned: &Value) -> bool {
    block
        .attributes
        .iter()
        .filter(|a| a.mode != Mode::Computed)
        .any(|a| prior.get(a.name) != planned.get(a.name))
        || block.blocks.iter().any(|nb| {
            let (p, n) = (prior.get(nb.name), planned.get(nb.name));
            match (p.as_list(), n.as_list()) {
                _ if nb.nesting == Nesting::Single
                    && p.as_map().is_some()
                    && n.as_map().is_some() =>
                {
                    changed_ignoring_computed(&nb.block, p, n)
                }
                (Some(pl), Some(nl)) => {
                    pl.len() != nl.len()
                        || pl
                            .iter()
                            .zip(nl)
                            .any(|(a, b)| changed_ignoring_computed(&nb.block, a, b))
                }
                _ => p != n,
            }
        })
}

fn unknown_computed(block: &Block, planned: &mut Value) {
    for a in &block.attributes {
        if a.mode == Mode::Computed && !a.use_state_for_unknown {
            planned.set(a.name, Value::Unknown);
        }
    }
}

fn replace_paths(block: &Block, prior: &Value, planned: &Value, at: &Path, out: &mut Vec<Path>) {
    for a in &block.attributes {
        let (p, n) = (prior.get(a.name), planned.get(a.name));
        if a.requires_replace && p != n && !(n.is_unknown() && a.mode != Mode::Required) {
            out.push(at.then(a.name));
        }
    }
    for nb in &block.blocks {
        let (p, n) = (prior.get(nb.name), planned.get(nb.name));
        if nb.requires_replace && p != n {
            out.push(at.then(nb.name));
            continue;
        }
        match (nb.nesting, p.as_list(), n.as_list()) {
            (Nesting::Single, _, _) if p.as_map().is_some() && n.as_map().is_some() => {
                replace_paths(&nb.block, p, n, &at.then(nb.name), out);
            }
            (_, Some(pl), Some(nl)) => {
                for (i, (pi, ni)) in pl.iter().zip(nl).enumerate() {
                    replace_paths(&nb.block, pi, ni, &at.then(nb.name).index(i), out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::Attribute;

    fn block() -> Block {
        Block::new("test")
            .attr(Attribute::required("name", Type::String, "n").replace())
            .attr(Attribute::with_default("days", Type::Number, 30i64, "d"))
            .attr(Attribute::computed("id", Type::String, "i").stable())
            .attr(Attribute::computed("arn", Type::String, "a"))
            .optional_block(
                "inner",
                Block::new("inner").attr(Attribute::with_default("key", Type::String, "k", "k")),
            )
    }

    #[test]
    fn create_fills_defaults_and_unknowns() {
        let mut config = Value::object();
        config.set("name", "a");
        let mut inner = Value::object();
        inner.set("key", Value::Null);
        config.set("inner", Value::List(vec![inner]));
        let p = plan(&block(), None, &config);
        assert_eq!(p.state.get("days").as_f64(), Some(30.0));
        assert!(p.state.get("id").is_unknown());
        assert_eq!(
            p.state.get("inner").first_block().get("key").as_str(),
            Some("k")
        );
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn replace_inside_a_single_block_is_found() {
        use crate::framework::schema::NestedBlock;
        let b = Block::new("t").block(NestedBlock {
            name: "primary",
            nesting: Nesting::Single,
            block: Block::new("m")
                .attr(Attribute::required("region", Type::String, "r").replace())
                .attr(Attribute::computed("status", Type::String, "s")),
            requires_replace: false,
        });
        let mut m = Value::object();
        m.set("region", "us-east-1");
        m.set("status", "available");
        let mut prior = Value::object();
        prior.set("primary", m.clone());
        let mut config = Value::object();
        m.set("region", "us-west-2");
        m.set("status", Value::Null);
        config.set("primary", m);
        let p = plan(&b, Some(&prior), &config);
        assert_eq!(
            p.requires_replace,
            vec![Path::attr("primary").then("region")]
        );
    }

    #[test]
    fn unchanged_config_keeps_computed_and_changed_forces_replace() {
        let mut prior = Value::object();
        prior.set("name", "a");
        prior.set("days", 30i64);
        prior.set("id", "x");
        prior.set("arn", "arn");
        prior.set("inner", Value::List(vec![]));
        let mut config = Value::object();
        config.set("name", "a");
        let same = plan(&block(), Some(&prior), &config);
        assert_eq!(same.state, conform(&block(), &prior));

        config.set("name", "b");
        let changed = plan(&block(), Some(&prior), &config);
        assert_eq!(
            changed.state.get("id").as_str(),
            Some("x"),
            "stable attribute kept"
        );
        assert!(changed.state.get("arn").is_unknown());
        assert_eq!(changed.requires_replace, vec![Path::attr("name")]);
    }
}
