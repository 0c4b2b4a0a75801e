//! Stored state across releases. Each resource's schema carries a version; a change to what it
//! stores bumps the version and adds one [`Upgrader`] from the version before, so state written by
//! any earlier release is brought forward step by step before Terraform reads it. State from a
//! newer release than this build is refused rather than misread.

use serde_json::Value as Json;

use super::diag::Diagnostics;
use super::schema::{Block, Nesting, Schema};
use super::value::Value;

/// One step: state stored under `from` brought to `from + 1`.
pub struct Upgrader {
    pub from: i64,
    /// What changed, for the changelog and the error if the step fails.
    pub change: &'static str,
    /// Rewrites the stored JSON in place; an `Err` names what it could not read.
    pub step: fn(&mut Json) -> Result<(), String>,
}

/// The state `json`, stored under `version`, brought to `schema`'s version by `upgraders`, or
/// `None` with an error that says why.
pub fn upgrade(
    resource: &str,
    schema: &Schema,
    upgraders: &[Upgrader],
    version: i64,
    json: &[u8],
    diags: &mut Diagnostics,
) -> Option<Value> {
    let refused = match upgrade_json(resource, schema, upgraders, version, json) {
        Ok(v) => return Some(v),
        Err(refused) => refused,
    };
    match refused {
        Refused::Newer(d) => diags.error(None, "State written by a newer trdr", d),
        Refused::Unreadable(d) => diags.error(None, "Unreadable state", d),
        Refused::NoStep(d) => diags.error(None, "No upgrade for this state", d),
        Refused::Failed(d) => diags.error(None, "State upgrade failed", d),
    }
    None
}

/// Why a stored state was not brought forward, with the detail to show.
#[derive(Debug)]
enum Refused {
    Newer(String),
    Unreadable(String),
    NoStep(String),
    Failed(String),
}

fn upgrade_json(
    resource: &str,
    schema: &Schema,
    upgraders: &[Upgrader],
    version: i64,
    json: &[u8],
) -> Result<Value, Refused> {
    let current = schema.version;
    if version > current {
        return Err(Refused::Newer(format!(
            "trdr_{resource}'s state was written under schema version {version} by a later \
                 release of trdr; this build ({}) knows versions up to {current} and will not \
                 guess what the newer one stores. Use that release or a later one (a provider \
                 is never downgraded over its state), or restore the state from before the \
                 upgrade.",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if version < 0 {
        return Err(Refused::Unreadable(format!(
            "trdr_{resource}'s state has schema version {version}, which no release wrote."
        )));
    }
    let mut state: Json = serde_json::from_slice(json).map_err(|e| {
        Refused::Unreadable(format!("trdr_{resource}'s stored state is not JSON: {e}"))
    })?;
    for from in version..current {
        let Some(u) = upgraders.iter().find(|u| u.from == from) else {
            return Err(Refused::NoStep(format!(
                "trdr_{resource} has no upgrade from schema version {from} to {}: this is a \
                     bug in trdr, please report it.",
                from + 1
            )));
        };
        (u.step)(&mut state).map_err(|e| {
            Refused::Failed(format!(
                "trdr_{resource}'s state could not be brought from schema version {from} to \
                     {} ({}): {e}",
                from + 1,
                u.change
            ))
        })?;
    }
    let stray = strays(&schema.block, &state, "");
    if !stray.is_empty() {
        return Err(Refused::Failed(format!(
            "trdr_{resource}'s state, brought from schema version {version} to {current}, \
                 still holds attributes this version does not have: {}. This is a bug in trdr, \
                 please report it.",
            stray.join(", ")
        )));
    }
    serde_json::from_value(state)
        .map_err(|e| Refused::Unreadable(format!("trdr_{resource}'s upgraded state: {e}")))
}

/// The attributes and blocks `state` holds that `block` does not declare, as paths.
pub fn strays(block: &Block, state: &Json, at: &str) -> Vec<String> {
    let Some(map) = state.as_object() else {
        return vec![];
    };
    let mut out = vec![];
    for (k, v) in map {
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        if block.attribute(k).is_some() {
            continue;
        }
        let Some(nb) = block.nested(k) else {
            out.push(path);
            continue;
        };
        match (&nb.nesting, v) {
            (Nesting::Single, _) => out.extend(strays(&nb.block, v, &path)),
            (Nesting::List { .. }, Json::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    out.extend(strays(&nb.block, item, &format!("{path}[{i}]")));
                }
            }
            _ => {}
        }
    }
    out
}

/// Every upgrader of a resource from 0 up to its schema version, once each, in order: what a
/// resource's tests assert.
pub fn chain_is_complete(schema: &Schema, upgraders: &[Upgrader]) -> Result<(), String> {
    let froms: Vec<i64> = upgraders.iter().map(|u| u.from).collect();
    let want: Vec<i64> = (0..schema.version).collect();
    if froms == want {
        Ok(())
    } else {
        Err(format!(
            "schema version {} needs upgraders from {want:?}, has {froms:?}",
            schema.version
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{Attribute, Type};
    use serde_json::json;

    fn schema(version: i64) -> Schema {
        let mut block = Block::default();
        block
            .attributes
            .push(Attribute::optional("name", Type::String, ""));
        block
            .attributes
            .push(Attribute::optional("size", Type::Number, ""));
        Schema { version, block }
    }

    fn rename(v: &mut Json) -> Result<(), String> {
        let m = v.as_object_mut().ok_or("not an object")?;
        if let Some(old) = m.remove("old_name") {
            m.insert("name".into(), old);
        }
        Ok(())
    }

    fn double(v: &mut Json) -> Result<(), String> {
        let m = v.as_object_mut().ok_or("not an object")?;
        let size = m.get("size").and_then(Json::as_f64).ok_or("no size")?;
        m.insert("size".into(), json!(size * 2.0));
        Ok(())
    }

    const STEPS: &[Upgrader] = &[
        Upgrader {
            from: 0,
            change: "old_name renamed name",
            step: rename,
        },
        Upgrader {
            from: 1,
            change: "size in halves",
            step: double,
        },
    ];

    /// The summary and detail the diagnostics would show.
    fn run(version: i64, state: Json) -> Result<Value, (String, String)> {
        let mut d = Diagnostics::default();
        let bytes = state.to_string();
        let out = upgrade(
            "thing",
            &schema(2),
            STEPS,
            version,
            bytes.as_bytes(),
            &mut d,
        );
        let error = d
            .errors()
            .next()
            .map(|e| (e.summary.clone(), e.detail.clone()));
        match (out, error) {
            (Some(v), None) => Ok(v),
            (None, Some(e)) => Err(e),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_step_from_the_stored_version_runs_in_order() {
        let v = run(0, json!({"old_name": "a", "size": 2})).unwrap();
        assert_eq!(v.get("name"), &Value::from("a"));
        assert_eq!(v.get("size"), &Value::from(4.0));
        let v = run(1, json!({"name": "a", "size": 2})).unwrap();
        assert_eq!(v.get("size"), &Value::from(4.0));
    }

    #[test]
    fn a_newer_version_is_refused_naming_both_versions() {
        let (summary, detail) = run(3, json!({"name": "a"})).unwrap_err();
        assert_eq!(summary, "State written by a newer trdr");
        assert!(detail.contains("schema version 3"), "{detail}");
        assert!(detail.contains("up to 2"), "{detail}");
    }

    #[test]
    fn a_failing_step_names_its_versions_and_change() {
        let (summary, detail) = run(1, json!({"name": "a"})).unwrap_err();
        assert_eq!(summary, "State upgrade failed");
        assert!(
            detail.contains("from schema version 1 to 2 (size in halves): no size"),
            "{detail}"
        );
    }

    #[test]
    fn an_attribute_left_behind_by_the_steps_is_an_error_not_dropped() {
        let (_, detail) = run(1, json!({"name": "a", "size": 1, "gone": true})).unwrap_err();
        assert!(detail.contains("gone"), "{detail}");
    }

    #[test]
    fn the_current_version_passes_unchanged() {
        let v = run(2, json!({"name": "a", "size": 2})).unwrap();
        assert_eq!(v.get("size"), &Value::from(2.0));
    }

    #[test]
    fn a_stray_inside_a_nested_block_is_named_with_its_path() {
        use crate::framework::schema::{NestedBlock, Nesting};
        let mut inner = Block::default();
        inner
            .attributes
            .push(Attribute::optional("key", Type::String, ""));
        let mut block = Block::default();
        for (name, nesting) in [
            ("single", Nesting::Single),
            (
                "list",
                Nesting::List {
                    min_items: 0,
                    max_items: 1,
                },
            ),
        ] {
            block.blocks.push(NestedBlock {
                name,
                nesting,
                block: inner.clone(),
                requires_replace: false,
            });
        }
        let state = json!({"single": {"key": "k", "old": 1}, "list": [{"key": "k"}, {"gone": 2}]});
        assert_eq!(strays(&block, &state, ""), ["list[1].gone", "single.old"]);
        assert!(strays(&block, &json!({"single": {"key": "k"}, "list": []}), "").is_empty());
    }

    #[test]
    fn a_gap_in_the_chain_is_named() {
        assert!(chain_is_complete(&schema(2), STEPS).is_ok());
        assert!(chain_is_complete(&schema(3), STEPS).is_err());
        let mut d = Diagnostics::default();
        let gap = br#"{"old_name":"a","size":1}"#;
        assert!(upgrade("thing", &schema(3), STEPS, 0, gap, &mut d).is_none());
        let summaries: Vec<String> = d.errors().map(|e| e.summary.clone()).collect();
        assert_eq!(summaries, ["No upgrade for this state"]);
        assert!(upgrade_json("thing", &schema(2), STEPS, 0, b"{").is_err());
        assert!(upgrade_json("thing", &schema(2), STEPS, -1, b"{}").is_err());
    }
}
