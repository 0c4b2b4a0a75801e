//! The `timeouts` block every composite resource accepts, and the durations it holds, in Go's
//! syntax ("90m", "1h30m", "1.5h", "300ms").

use std::time::Duration;

use crate::framework::schema::NestedBlock;
use crate::framework::validate::Check;
use crate::framework::{Attr, Block, BlockAttr, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

/// The `timeouts` block and its three attributes, the same in every resource.
pub const TIMEOUTS: BlockAttr = BlockAttr::optional("timeouts", "");
/// A duration in Go's syntax, for any attribute that holds one.
pub const GO_DURATION: &[Check] = &[Check::Rule(|v| {
    let s = v.as_str()?;
    parse_duration(s).is_none().then(|| format!(
        "{s:?} is not a duration; write it like \"30m\", \"1h30m\", \"1.5h\" or \"300ms\" (Go duration syntax, greater than zero)."
    ))
})];
pub const CREATE: Attr<String> = Attr::optional(
    "create",
    "Bound on a create in Go duration syntax, e.g. \"30m\" or \"1.5h\".",
)
.checks(GO_DURATION);
pub const UPDATE: Attr<String> =
    Attr::optional("update", "Bound on an update.").checks(GO_DURATION);
pub const DELETE: Attr<String> = Attr::optional("delete", "Bound on a delete.").checks(GO_DURATION);

/// How the block's description states the defaults; [`defaults`] reads them back from it.
const DEFAULTS_PREFIX: &str = "Defaults: create ";

/// The block's schema, stating the defaults of the resource that uses it.
pub fn block(defaults: [&str; 3]) -> NestedBlock {
    let [c, u, d] = defaults;
    let block = Block::new(&format!("How long each operation may take: one deadline for the whole create, update or delete, shared by every wait inside it. When it runs out the apply fails naming the step it stopped in, and the next apply continues from there. {DEFAULTS_PREFIX}{c}, update {u}, delete {d}."))
        .with(&[&CREATE, &UPDATE, &DELETE]);
    TIMEOUTS.schema(block)
}

/// The defaults — create, update, delete — that [`block`] stated in a `timeouts` block's
/// description, so the documentation shows the values the schema holds (each resource states
/// them once, in its `DEFAULT_TIMEOUTS`). `None` for a block [`block`] did not make.
pub fn defaults(block: &Block) -> Option<[String; 3]> {
    let rest =
        &block.description[block.description.find(DEFAULTS_PREFIX)? + DEFAULTS_PREFIX.len()..];
    let (create, rest) = rest.split_once(", update ")?;
    let (update, rest) = rest.split_once(", delete ")?;
    let delete = rest.split_once('.').map_or(rest, |(d, _)| d);
    let all = [create, update, delete].map(|s| s.trim().to_string());
    all.iter()
        .all(|d| parse_duration(d).is_some())
        .then_some(all)
}

/// Parses a duration in Go's syntax (Terraform users write these): a sequence of decimal numbers,
/// each with an optional fraction and a unit — `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h` — such as
/// "90m", "1h30m", "1.5h", "300ms". Negative and zero durations are refused: a timeout must allow
/// some waiting.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let n: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let seconds = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += n * seconds;
        rest = next;
    }
    // More than a century is not a timeout anyone means; it also keeps the arithmetic finite.
    (total > 0.0 && total < 3.2e9).then(|| Duration::from_secs_f64(total))
}

/// The bound for `op` from a resource's state, or `default` when unset.
pub fn get(state: &Value, op: Operation, default: Duration) -> Duration {
    let attr = match op {
        Operation::Create => CREATE,
        Operation::Update => UPDATE,
        Operation::Delete => DELETE,
    };
    attr.get(TIMEOUTS.of(state))
        .as_deref()
        .and_then(parse_duration)
        .unwrap_or(default)
}

/// A duration as a person reads it, in the syntax the `timeouts` block takes: "12m30s", "45s",
/// "1h2m", "250ms".
pub fn human(d: Duration) -> String {
    let total = d.as_secs();
    if total == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_written() {
        assert_eq!(human(Duration::from_secs(750)), "12m30s");
        assert_eq!(human(Duration::from_secs(3720)), "1h2m");
        assert_eq!(human(Duration::from_secs(45)), "45s");
        assert_eq!(human(Duration::from_millis(250)), "250ms");
    }

    use super::*;

    #[test]
    fn the_defaults_read_back_as_the_block_states_them() {
        let b = block(["90m", "1h30m", "45s"]);
        assert_eq!(
            defaults(&b.block),
            Some(["90m".to_string(), "1h30m".to_string(), "45s".to_string()])
        );
        assert_eq!(defaults(&Block::new("no defaults here")), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        // Go's syntax, as Terraform users write it.
        assert_eq!(parse_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(parse_duration("2h45m30s"), Some(Duration::from_secs(9930)));
        assert_eq!(
            parse_duration("1m0.5s"),
            Some(Duration::from_millis(60_500))
        );
        assert_eq!(parse_duration("1500us"), Some(Duration::from_micros(1500)));
        for bad in [
            "",
            "m",
            "10",
            "10x",
            "-5m",
            "0s",
            "1..5h",
            ".h",
            "5 m",
            "99999999999999999999h",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
