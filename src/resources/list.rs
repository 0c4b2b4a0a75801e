//! `terraform query` (plugin protocol 6.10): the `config` of a `list` block and what selects a
//! topology. A list names what could be trdr's from one listing call per region (or none, when
//! the name and suffix are given), then reads each candidate as an import would; see
//! [`super::composite::Composite::candidates`].

use crate::framework::attr::Attr;
use crate::framework::validate::{is_region, Check};
use crate::framework::{Block, IdentityField, Schema, Value};
use crate::naming::{
    name_problem, Naming, MAX_NAME_LEN, MAX_SUFFIX_LEN, NAME_CHECKS, SUFFIX_CHECKS,
};

pub const NAME: Attr<String> = Attr::optional(
    "name",
    "Only topologies of this name (`name` of the resources), e.g. `trading`.",
)
.checks(NAME_CHECKS);

pub const ENVIRONMENT_SUFFIX: Attr<String> = Attr::optional(
    "environment_suffix",
    "Only topologies of this environment (`environment_suffix`), e.g. `dev`. With `name` as well, the list reads that one topology and lists nothing.",
)
.checks(SUFFIX_CHECKS);

pub const REGION: Attr<String> = Attr::optional(
    "region",
    "Only stacks in this region; one of the provider's `primary_region` and `secondary_region` (default: both).",
)
.checks(&[Check::Matches("an AWS region like us-east-1", is_region)]);

/// The `config` block of a `list`: `name` and `environment_suffix`, and `region` for stacks.
pub fn schema(description: &'static str, with_region: bool) -> Schema {
    let block = Block::new(description);
    let block = if with_region {
        block.with(&[&NAME, &ENVIRONMENT_SUFFIX, &REGION])
    } else {
        block.with(&[&NAME, &ENVIRONMENT_SUFFIX])
    };
    Schema { version: 0, block }
}

/// What a list's configuration selects.
#[derive(Debug, Default)]
pub struct Filter {
    pub name: Option<String>,
    pub suffix: Option<String>,
    pub region: Option<String>,
}

impl Filter {
    pub fn from_value(config: &Value) -> Self {
        let get = |a: &Attr<String>| a.raw(config).as_str().map(str::to_string);
        Filter {
            name: get(&NAME),
            suffix: get(&ENVIRONMENT_SUFFIX),
            region: get(&REGION),
        }
    }

    /// The one topology the filter names, when it gives both name and suffix.
    pub fn named(&self) -> Option<Naming> {
        Some(Naming::new(self.name.as_deref()?, self.suffix.as_deref()?))
    }

    pub fn wants(&self, naming: &Naming) -> bool {
        self.name.as_ref().is_none_or(|n| *n == naming.name)
            && self.suffix.as_ref().is_none_or(|s| *s == naming.suffix)
    }

    pub fn wants_region(&self, region: &str) -> bool {
        self.region.as_ref().is_none_or(|r| r == region)
    }
}

/// The naming of a physical name `NAME{middle}SUFFIX` when both parts are valid trdr names: the
/// suffix is what follows the last `middle` (a name may hold `middle`, as `-sessions-`; a suffix
/// that does is not told apart).
pub fn parse(physical: &str, middle: &str) -> Option<Naming> {
    let at = physical.rfind(middle)?;
    let (name, suffix) = (&physical[..at], &physical[at + middle.len()..]);
    (name_problem(name, MAX_NAME_LEN).is_none() && name_problem(suffix, MAX_SUFFIX_LEN).is_none())
        .then(|| Naming::new(name, suffix))
}

/// The identity of a global database or an orchestrator: its topology's name and suffix.
pub const TOPOLOGY: &[IdentityField] = &[NAME_FIELD, SUFFIX_FIELD];

/// The identity of a regional stack: its topology's name and suffix, and its region.
pub const STACK: &[IdentityField] = &[
    NAME_FIELD,
    SUFFIX_FIELD,
    IdentityField {
        name: "region",
        description: "The stack's region.",
    },
];

const NAME_FIELD: IdentityField = IdentityField {
    name: "name",
    description: "The topology's `name`, e.g. `trading`.",
};
const SUFFIX_FIELD: IdentityField = IdentityField {
    name: "environment_suffix",
    description: "The topology's `environment_suffix`, e.g. `dev`.",
};

/// The naming an identity gives (its fields known strings).
pub fn naming_of(identity: &Value) -> Option<Naming> {
    Some(Naming::new(
        identity.get("name").as_str()?,
        identity.get("environment_suffix").as_str()?,
    ))
}

/// Why `identity`'s fields cannot name a trdr topology, as the resources' own attributes check
/// them (an identity comes from an `import` block, which no schema validator sees).
pub fn identity_problem(identity: &Value) -> Option<String> {
    let field = |name: &str| identity.get(name).as_str();
    if let Some(p) = field("name").and_then(|n| name_problem(n, MAX_NAME_LEN)) {
        return Some(format!("name: {p}"));
    }
    if let Some(p) = field("environment_suffix").and_then(|s| name_problem(s, MAX_SUFFIX_LEN)) {
        return Some(format!("environment_suffix: {p}"));
    }
    match field("region") {
        Some(r) if !is_region(r) => {
            Some(format!("region: {r:?} is not an AWS region like us-east-1"))
        }
        _ => None,
    }
}

/// An identity object of a topology's name and suffix (and region, for a stack).
pub fn identity(naming: &Naming, region: Option<&str>) -> Value {
    let mut v = Value::object();
    v.set("name", naming.name.as_str());
    v.set("environment_suffix", naming.suffix.as_str());
    if let Some(r) = region {
        v.set("region", r);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_names_parse_to_the_naming_that_made_them() {
        let n = |a: &str, b: &str| Some(Naming::new(a, b));
        assert_eq!(
            parse("trading-sessions-dev", "-sessions-"),
            n("trading", "dev")
        );
        assert_eq!(
            parse("trading-sessions-pr-12", "-sessions-"),
            n("trading", "pr-12")
        );
        assert_eq!(
            parse("a-sessions-b-sessions-c", "-sessions-"),
            n("a-sessions-b", "c")
        );
        assert_eq!(parse("Orders", "-sessions-"), None);
        assert_eq!(parse("x-sessions-", "-sessions-"), None);
        assert_eq!(parse("9lives-sessions-dev", "-sessions-"), None);
        assert_eq!(
            parse("trading-failover-us-east-1-dev", "-failover-us-east-1-"),
            n("trading", "dev")
        );
    }

    #[test]
    fn an_identity_is_checked_as_the_attributes_are() {
        let id = |n: &str, s: &str, r: Option<&str>| identity(&Naming::new(n, s), r);
        assert_eq!(
            identity_problem(&id("trading", "dev", Some("us-east-1"))),
            None
        );
        assert_eq!(identity_problem(&id("trading", "dev", None)), None);
        assert!(identity_problem(&id("Trading", "dev", None))
            .unwrap()
            .starts_with("name: "));
        assert!(identity_problem(&id("trading", "dev--x", None))
            .unwrap()
            .starts_with("environment_suffix: "));
        assert!(identity_problem(&id("trading", "dev", Some("mars")))
            .unwrap()
            .starts_with("region: "));
    }

    #[test]
    fn a_lists_filter_is_checked_as_the_resources_attributes_are() {
        let config = crate::resources::config(
            serde_json::json!({"name": "Trading", "environment_suffix": "dev--x", "region": "mars"}),
        );
        let mut diags = crate::framework::Diagnostics::default();
        crate::framework::validate::schema(&mut diags, &schema("d", true).block, &config);
        let mut paths: Vec<String> = diags
            .errors()
            .map(|d| format!("{:?}", d.path.as_ref().unwrap()))
            .collect();
        paths.sort();
        assert_eq!(paths.len(), 3, "{paths:?}");
        for (path, attr) in paths.iter().zip(["environment_suffix", "name", "region"]) {
            assert!(path.contains(attr), "{paths:?}");
        }
    }

    #[test]
    fn a_filter_selects_by_each_part_it_gives() {
        let f = Filter {
            name: Some("trading".into()),
            ..Default::default()
        };
        assert!(f.wants(&Naming::new("trading", "dev")));
        assert!(!f.wants(&Naming::new("risk", "dev")));
        assert!(f.named().is_none());
        assert!(f.wants_region("eu-west-1"));
        let g = Filter {
            name: Some("trading".into()),
            suffix: Some("dev".into()),
            region: Some("us-east-2".into()),
        };
        assert_eq!(g.named(), Some(Naming::new("trading", "dev")));
        assert!(!g.wants_region("us-east-1"));
    }
}
