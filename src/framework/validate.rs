//! Reusable validators. Each looks at one value, skips unknown and null values (they are checked
//! once known), and appends an error naming the attribute. Attributes carry theirs as [`Check`]s
//! in the schema, and [`schema`] runs them all, filling in each attribute's path; a resource's own
//! checks are only those across attributes.

use std::collections::BTreeSet;

use super::diag::{Diagnostics, Path};
use super::schema::{Block, Nesting};
use super::value::Value;

/// A validator attached to an attribute in the schema.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    /// A string `ok` accepts; otherwise "`value` is not `what`".
    Matches(&'static str, fn(&str) -> bool),
    /// A number from `min` to `max`.
    Range(f64, f64),
    /// A whole number.
    Whole,
    /// A multiple of the step, e.g. 0.5 ACU.
    Step(f64),
    OneOf(&'static [&'static str]),
    /// A list without repeated strings.
    Unique,
    /// Every element of a list passes the check (reported at the element's index).
    Each(&'static Check),
    /// Any other rule on a known value: the problem, when there is one.
    Rule(fn(&Value) -> Option<String>),
}

impl Check {
    pub fn apply(&self, diags: &mut Diagnostics, path: &Path, v: &Value) {
        match *self {
            Check::Matches(what, ok) => string_matches(diags, path, v, what, ok),
            Check::Range(min, max) => number_in_range(diags, path, v, min, max),
            Check::Whole => whole_number(diags, path, v),
            Check::Step(step) => {
                if let Some(n) = v.as_f64() {
                    if (n / step).fract() != 0.0 {
                        diags.attr_error(path, format!("{n} is not a multiple of {step}."));
                    }
                }
            }
            Check::OneOf(allowed) => one_of(diags, path, v, allowed),
            Check::Unique => unique_strings(diags, path, v),
            Check::Each(check) => {
                for (i, item) in v.as_list().unwrap_or_default().iter().enumerate() {
                    check.apply(diags, &path.index(i), item);
                }
            }
            Check::Rule(rule) => {
                if v.is_wholly_known() && !v.is_null() {
                    if let Some(problem) = rule(v) {
                        diags.attr_error(path, problem);
                    }
                }
            }
        }
    }
}

/// Runs every attribute's checks on `config`, in nested blocks too, each reporting at the
/// attribute's path (`primary.instance_count`, `serverless_v2[0].min_capacity`).
pub fn schema(diags: &mut Diagnostics, block: &Block, config: &Value) {
    walk(diags, block, config, &Path::root());
}

fn walk(diags: &mut Diagnostics, block: &Block, config: &Value, at: &Path) {
    for a in &block.attributes {
        let (path, value) = (at.then(a.name), config.get(a.name));
        for check in a.checks {
            check.apply(diags, &path, value);
        }
        if let (Some(instead), false) = (a.deprecated, value.is_null()) {
            let summary = format!("Deprecated attribute \"{path}\"");
            diags.warning(Some(path), summary, instead);
        }
    }
    for nb in &block.blocks {
        let v = config.get(nb.name);
        match nb.nesting {
            Nesting::Single => walk(diags, &nb.block, v, &at.then(nb.name)),
            Nesting::List { .. } => {
                for (i, item) in v.as_list().unwrap_or_default().iter().enumerate() {
                    walk(diags, &nb.block, item, &at.then(nb.name).index(i));
                }
            }
        }
    }
}

/// For each resource's tests: every attribute that carries checks is covered by `bad` (a path
/// and a value its checks refuse), and each bad value is reported at exactly its path.
#[cfg(test)]
pub(crate) fn assert_checks_report_their_paths(
    block: &Block,
    valid: &Value,
    bad: &[(&str, Value)],
) {
    fn checked(block: &Block, at: &Path, out: &mut Vec<String>) {
        for a in block.attributes.iter().filter(|a| !a.checks.is_empty()) {
            out.push(at.then(a.name).to_string());
        }
        for nb in &block.blocks {
            let p = match nb.nesting {
                Nesting::Single => at.then(nb.name),
                Nesting::List { .. } => at.then(nb.name).index(0),
            };
            checked(&nb.block, &p, out);
        }
    }
    let mut d = Diagnostics::default();
    schema(&mut d, block, valid);
    assert!(!d.has_errors(), "the valid configuration passes: {d:?}");
    let mut expected = Vec::new();
    checked(block, &Path::root(), &mut expected);
    for path in &expected {
        assert!(
            bad.iter().any(|(p, _)| *p == path
                || p.strip_prefix(path.as_str())
                    .is_some_and(|r| r.starts_with('['))),
            "no bad value tested for {path}"
        );
    }
    for (path, value) in bad {
        let mut config = valid.clone();
        set_path(&mut config, path, value.clone());
        let mut d = Diagnostics::default();
        schema(&mut d, block, &config);
        let reported: Vec<String> = d
            .errors()
            .map(|e| e.path.as_ref().map(Path::to_string).unwrap_or_default())
            .collect();
        assert!(
            !reported.is_empty() && reported.iter().all(|p| p.starts_with(*path)),
            "{path} = {value:?}: reported at {reported:?}"
        );
    }
}

/// Sets `a.b[0].c` in a test configuration (list indexes address existing elements).
#[cfg(test)]
fn set_path(v: &mut Value, path: &str, x: Value) {
    let (head, rest) = match path.find('.') {
        Some(i) => (&path[..i], Some(&path[i + 1..])),
        None => (path, None),
    };
    let (name, index) = match head.split_once('[') {
        Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
        None => (head, None),
    };
    match (index, rest) {
        (None, None) => v.set(name, x),
        (Some(i), None) => {
            if let Some(Value::List(items)) = v.get_mut(name) {
                items[i] = x;
            }
        }
        (None, Some(rest)) => {
            if let Some(inner) = v.get_mut(name) {
                set_path(inner, rest, x);
            }
        }
        (Some(i), Some(rest)) => {
            if let Some(Value::List(items)) = v.get_mut(name) {
                set_path(&mut items[i], rest, x);
            }
        }
    }
}

pub fn string_matches(
    diags: &mut Diagnostics,
    path: &Path,
    v: &Value,
    what: &str,
    ok: impl Fn(&str) -> bool,
) {
    if let Some(s) = v.as_str() {
        if !ok(s) {
            diags.attr_error(path, format!("{s:?} is not {what}."));
        }
    }
}

pub fn number_in_range(diags: &mut Diagnostics, path: &Path, v: &Value, min: f64, max: f64) {
    if let Some(n) = v.as_f64() {
        if !(min..=max).contains(&n) {
            diags.attr_error(
                path,
                format!("{n} is out of range: must be between {min} and {max}."),
            );
        }
    }
}

pub fn whole_number(diags: &mut Diagnostics, path: &Path, v: &Value) {
    if let Some(n) = v.as_f64() {
        if n.fract() != 0.0 {
            diags.attr_error(path, format!("{n} must be a whole number."));
        }
    }
}

pub fn one_of(diags: &mut Diagnostics, path: &Path, v: &Value, allowed: &[&str]) {
    if let Some(s) = v.as_str() {
        if !allowed.contains(&s) {
            diags.attr_error(
                path,
                format!("{s:?} must be one of: {}.", allowed.join(", ")),
            );
        }
    }
}

pub fn unique_strings(diags: &mut Diagnostics, path: &Path, v: &Value) {
    if let Some(items) = v.as_list() {
        let mut seen = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = item.as_str() {
                if !seen.insert(s) {
                    diags.attr_error(&path.index(i), format!("{s:?} appears more than once."));
                }
            }
        }
    }
}

/// An AWS region name such as `us-east-1` or `ap-southeast-2` (`us-gov-west-1` included).
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
}

/// An ARN: `arn:partition:service:region:account:resource`.
pub fn is_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && !parts[2].is_empty()
        && !parts[5].is_empty()
}

pub fn is_iam_role_arn(s: &str) -> bool {
    is_arn(s)
        && s.split(':').nth(2) == Some("iam")
        && s.splitn(6, ':')
            .nth(5)
            .is_some_and(|r| r.starts_with("role/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in ["us-east-1", "eu-west-3", "us-gov-west-1", "ap-southeast-2"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-x",
            "u-east-1",
            "us--1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn arns() {
        assert!(is_iam_role_arn(
            "arn:aws:iam::123456789012:role/dr-deployer"
        ));
        assert!(!is_iam_role_arn("arn:aws:s3:::bucket"));
        assert!(!is_arn("role/dr"));
    }

    #[test]
    fn validators_name_the_attribute_and_skip_unknowns() {
        let mut d = Diagnostics::default();
        let p = Path::attr("buckets");
        unique_strings(&mut d, &p, &Value::string_list(["a", "b", "a"]));
        number_in_range(
            &mut d,
            &Path::attr("days"),
            &Value::Number(-1.0),
            1.0,
            3650.0,
        );
        number_in_range(&mut d, &Path::attr("days"), &Value::Unknown, 1.0, 3650.0);
        assert_eq!(d.0.len(), 2);
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "buckets[2]");
        assert!(d.0[1].summary.contains("days"));
    }
}
