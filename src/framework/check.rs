//! Validators for one value. Each skips unknown and null values (they are checked once known)
//! and appends an error naming the attribute's path. [`Check`] is the form an attribute carries in
//! its declaration; the functions below are what the checks run, and what a resource calls for a
//! rule across attributes. This module knows values and diagnostics only, so the schema's types
//! can carry checks without a schema walk depending back on them.

use std::collections::BTreeSet;

use super::diag::{Diagnostics, Path};
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
