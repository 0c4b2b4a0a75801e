//! The `timeouts` block every composite resource accepts, and the durations it holds ("90m",
//! "1h30m", "45s").

use std::time::Duration;

use crate::framework::{Attribute, Block, Diagnostics, Path, Type, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    fn key(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// The schema of the block, with the defaults of the resource that uses it.
pub fn block(defaults: [&str; 3]) -> Block {
    let [c, u, d] = defaults;
    Block::new("How long each operation may wait for AWS before it fails.")
        .attr(Attribute::optional(
            "create",
            Type::String,
            &format!("Bound on a create, e.g. \"30m\" (default {c})."),
        ))
        .attr(Attribute::optional(
            "update",
            Type::String,
            &format!("Bound on an update (default {u})."),
        ))
        .attr(Attribute::optional(
            "delete",
            Type::String,
            &format!("Bound on a delete (default {d})."),
        ))
}

/// Parses "1h30m", "90m", "45s", "2h".
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut digits = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        any = true;
    }
    (any && digits.is_empty() && total > 0).then(|| Duration::from_secs(total))
}

pub fn validate(diags: &mut Diagnostics, config: &Value) {
    let t = config.get("timeouts").first_block();
    for op in [Operation::Create, Operation::Update, Operation::Delete] {
        if let Some(s) = t.get(op.key()).as_str() {
            if parse_duration(s).is_none() {
                diags.attr_error(
                    &Path::attr("timeouts").index(0).then(op.key()),
                    format!(
                        "{s:?} is not a duration; write it like \"30m\", \"1h30m\" or \"45s\"."
                    ),
                );
            }
        }
    }
}

/// The bound for `op` from a resource's state, or `default` when unset.
pub fn get(state: &Value, op: Operation, default: Duration) -> Duration {
    state
        .get("timeouts")
        .first_block()
        .get(op.key())
        .as_str()
        .and_then(parse_duration)
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        for bad in ["", "m", "10", "10x", "-5m", "0s", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
