//! Runs the checks a schema declares. Attributes carry theirs as [`Check`]s, and [`schema`] runs
//! them all, filling in each attribute's path; a resource's own checks are only those across
//! attributes. The checks themselves live in [`super::check`], re-exported here so a resource
//! names one module for validation.

use super::diag::{Diagnostics, Path};
use super::schema::{Block, Nesting};
use super::value::Value;

pub use super::check::{
    is_arn, is_iam_role_arn, is_region, number_in_range, one_of, string_matches, unique_strings,
    whole_number, Check,
};

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
