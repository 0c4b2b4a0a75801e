//! Which optional blocks the configuration spelled out. A block such as `session_table {
//! hash_key = "sessionId" }` that repeats the defaults leaves AWS exactly as no block does, yet
//! Terraform stores the one and not the other, and a plan compares them. So an apply records, on
//! the resource's anchor, the blocks AWS cannot show ([`TAG`]: their names, and the `timeouts`
//! values, which live nowhere else), and an import puts back the blocks it names: importing what
//! an apply made gives the state that apply recorded, whichever way the configuration wrote it.

use crate::framework::schema::Nesting;
use crate::framework::{Block, Value};
use crate::tags::Tags;
use crate::timeouts::TIMEOUTS;

/// The anchor's tag: `session_table timeouts.create=2h`, or empty when no such block is set.
pub const TAG: &str = "TrdrBlocks";

/// The tag's value for a planned state `v`: each of `blocks` it holds, in the order given, and
/// the timeouts it sets as `timeouts.OP=DURATION` (AWS's tag values allow `.`, `=` and spaces).
pub fn tag_value(v: &Value, blocks: &[&str]) -> String {
    let mut out = Vec::new();
    for &name in blocks {
        if !present(v.get(name)) {
            continue;
        }
        let set: Vec<String> = match first(v.get(name)) {
            Value::Map(m) if name == TIMEOUTS.name => m
                .iter()
                .filter_map(|(k, x)| Some(format!("{name}.{k}={}", x.as_str()?)))
                .collect(),
            _ => vec![],
        };
        if set.is_empty() {
            out.push(name.to_string());
        } else {
            out.extend(set);
        }
    }
    out.join(" ")
}

/// Puts into the imported state `v` each block `tags` records that `v` lacks: with the schema's
/// defaults (an import leaves out only a block at its defaults), and the timeouts recorded.
pub fn restore(schema: &Block, tags: &Tags, v: &mut Value) {
    let Some(tag) = tags.get(TAG) else {
        return;
    };
    for word in tag.split(' ').filter(|w| !w.is_empty()) {
        let (name, setting) = match word.split_once('.') {
            Some((name, rest)) => (name, rest.split_once('=')),
            None => (word, None),
        };
        let Some(nb) = schema.nested(name) else {
            continue;
        };
        if setting.is_some_and(|(attr, _)| nb.block.attribute(attr).is_none()) {
            continue;
        }
        if !present(v.get(name)) {
            let mut b = Value::object();
            for a in &nb.block.attributes {
                b.set(a.name, a.default.clone().unwrap_or(Value::Null));
            }
            v.set(
                nb.name,
                match nb.nesting {
                    Nesting::Single => b,
                    Nesting::List { .. } => Value::List(vec![b]),
                },
            );
        }
        if let (Some((attr, value)), Some(b)) = (setting, first_mut(v, name)) {
            b.set(attr, Value::from(value));
        }
    }
}

fn present(b: &Value) -> bool {
    match b {
        Value::List(items) => !items.is_empty(),
        Value::Null => false,
        _ => true,
    }
}

fn first(b: &Value) -> &Value {
    match b {
        Value::List(items) => items.first().unwrap_or(&Value::Null),
        other => other,
    }
}

fn first_mut<'a>(v: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    match v.get_mut(name)? {
        Value::List(items) => items.first_mut(),
        Value::Null => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::regional_stack::schema;
    use serde_json::json;

    fn state(j: serde_json::Value) -> Value {
        serde_json::from_value(j).unwrap()
    }

    const BLOCKS: &[&str] = &["session_table", "timeouts"];

    #[test]
    fn an_applied_blocks_round_trip_through_the_tag() {
        let s = schema().block;
        for applied in [
            json!({"session_table": [{"hash_key": "sessionId", "consistency": "EVENTUAL", "witness_region": null}],
                   "timeouts": [{"create": "2h", "update": null, "delete": "30m"}]}),
            json!({"session_table": [{"hash_key": "sessionId", "consistency": "EVENTUAL", "witness_region": null}],
                   "timeouts": [{"create": null, "update": null, "delete": null}]}),
            json!({"session_table": [], "timeouts": []}),
        ] {
            let applied = state(applied);
            let tag = tag_value(&applied, BLOCKS);
            assert!(tag.len() <= 256, "{tag}");
            let mut imported = state(json!({"session_table": [], "timeouts": []}));
            restore(
                &s,
                &Tags::from([(TAG.to_string(), tag.clone())]),
                &mut imported,
            );
            assert_eq!(imported, applied, "through {tag:?}");
        }
    }

    #[test]
    fn the_tag_names_blocks_in_schema_order_and_timeouts_values() {
        let v = state(json!({"timeouts": [{"create": "2h", "delete": "30m"}],
                             "session_table": [{"hash_key": "k"}]}));
        assert_eq!(
            tag_value(&v, BLOCKS),
            "session_table timeouts.create=2h timeouts.delete=30m"
        );
        assert_eq!(
            tag_value(&v, &["timeouts"]),
            "timeouts.create=2h timeouts.delete=30m"
        );
    }

    #[test]
    fn an_import_keeps_what_aws_showed_and_ignores_what_it_does_not_know() {
        let s = schema().block;
        let mut v = state(json!({"session_table": [{"hash_key": "orderId"}]}));
        let tags = Tags::from([(
            TAG.to_string(),
            "session_table mystery timeouts.bogus=1h".to_string(),
        )]);
        restore(&s, &tags, &mut v);
        assert_eq!(
            v.get("session_table"),
            &state(json!([{"hash_key": "orderId"}]))
        );
        assert!(!present(v.get("timeouts")), "{v:?}");
        let mut none = state(json!({}));
        restore(&s, &Tags::new(), &mut none);
        assert_eq!(none, state(json!({})));
    }
}
