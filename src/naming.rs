//! Deterministic physical names. Everything is derived from `name` + `environment_suffix`
//! (+ region), so a repeated create after a crash finds and adopts what the first one made.

use crate::framework::validate::Check;
use crate::framework::{Attr, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    pub name: String,
    pub suffix: String,
}

/// Longest `name` and `environment_suffix` we accept; the derived names are checked separately
/// against each AWS limit.
pub const MAX_NAME_LEN: usize = 32;
pub const MAX_SUFFIX_LEN: usize = 24;

/// Route 53's limit on a `CallerReference`, and the random tail we append.
pub const MAX_CALLER_REFERENCE: usize = 64;
pub const HEALTH_CHECK_TAIL: usize = 8;

/// FNV-1a, 64 bits: a hash that stays the same across releases and platforms.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

impl Naming {
    pub fn new(name: &str, suffix: &str) -> Self {
        Naming {
            name: name.to_string(),
            suffix: suffix.to_string(),
        }
    }

    /// From a resource's configuration or state, when both parts are known.
    pub fn from_value(v: &Value) -> Option<Self> {
        Some(Self::new(
            NAME.raw(v).as_str()?,
            ENVIRONMENT_SUFFIX.raw(v).as_str()?,
        ))
    }

    pub fn bucket(&self, purpose: &str, region: &str) -> String {
        format!("{}-{purpose}-{region}-{}", self.name, self.suffix)
    }

    pub fn session_table(&self) -> String {
        format!("{}-sessions-{}", self.name, self.suffix)
    }

    pub fn global_cluster(&self) -> String {
        format!("{}-global-{}", self.name, self.suffix)
    }

    /// The Secrets Manager secret holding the global database's master credentials.
    pub fn master_secret(&self) -> String {
        format!("trdr/{}/master", self.global_cluster())
    }

    pub fn regional_cluster(&self, region: &str) -> String {
        format!("{}-{region}-{}", self.name, self.suffix)
    }

    pub fn state_machine(&self, region: &str) -> String {
        format!("{}-failover-{region}-{}", self.name, self.suffix)
    }

    /// The failover watcher of `region` (a state machine), and the schedule that starts it.
    pub fn watcher(&self, region: &str) -> String {
        format!("{}-watcher-{region}-{}", self.name, self.suffix)
    }

    /// The EventBridge connection the watcher of `region` probes endpoints through.
    pub fn probe_connection(&self, region: &str) -> String {
        format!("{}-probe-{region}-{}", self.name, self.suffix)
    }

    /// The replication rule a stack in `region` owns on a bucket.
    /// The `CallerReference` prefix of our health check for `region`; a random 8-hex tail follows
    /// (Route 53 refuses a reference it has seen before, even for a deleted check). Route 53
    /// allows 64 characters in all, so a long name and suffix are replaced by a stable hash.
    pub fn health_check_prefix(&self, region: &str) -> String {
        let readable = format!("trdr:{}:{}:{region}:", self.name, self.suffix);
        if readable.len() + HEALTH_CHECK_TAIL <= MAX_CALLER_REFERENCE {
            return readable;
        }
        format!(
            "trdr:h{:016x}:{region}:",
            fnv1a(&format!("{}:{}", self.name, self.suffix))
        )
    }

    pub fn replication_rule(&self, to_region: &str) -> String {
        format!("trdr-{}-to-{to_region}", self.name)
    }
}

/// `name`, the same declaration in every resource: part of every physical name.
pub const NAME: Attr<String> = Attr::required(
    "name",
    "Purpose of the platform, e.g. `trading`: lowercase letters, digits and hyphens, starting with a letter, at most 32 characters. Part of every physical name.",
)
.replace()
.checks(NAME_CHECKS);

/// `environment_suffix`, the same declaration in every resource.
pub const ENVIRONMENT_SUFFIX: Attr<String> = Attr::required(
    "environment_suffix",
    "Environment, e.g. `dev` or `pr-123`: lowercase letters, digits and hyphens, at most 24 characters. Part of every physical name, so environments never collide.",
)
.replace()
.checks(SUFFIX_CHECKS);

/// What a `name` must be, wherever one is given (a resource, a list's filter).
pub const NAME_CHECKS: &[Check] = &[Check::Rule(|v| name_problem(v.as_str()?, MAX_NAME_LEN))];

/// What an `environment_suffix` must be, wherever one is given.
pub const SUFFIX_CHECKS: &[Check] = &[Check::Rule(|v| name_problem(v.as_str()?, MAX_SUFFIX_LEN))];

/// What is wrong with `s` as a part of physical names (`name`, `environment_suffix`, a bucket
/// purpose): they take lowercase letters, digits and single hyphens, starting with a letter, so
/// every name derived from them is legal everywhere.
pub fn name_problem(s: &str, max: usize) -> Option<String> {
    let problem = if s.is_empty() {
        "must not be empty".to_string()
    } else if s.len() > max {
        format!("is {} characters long; at most {max} are allowed", s.len())
    } else if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        "may contain only lowercase letters, digits and hyphens".to_string()
    } else if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        "must start with a lowercase letter".to_string()
    } else if s.ends_with('-') || s.contains("--") {
        "must not end with a hyphen or contain two hyphens in a row".to_string()
    } else {
        return None;
    };
    Some(format!(
        "{s:?} {problem}, because it becomes part of AWS resource names."
    ))
}

/// S3's bucket naming rules (general purpose buckets).
pub fn bucket_name_problem(name: &str) -> Option<String> {
    if name.len() < 3 || name.len() > 63 {
        return Some(format!(
            "bucket name {name:?} would be {} characters long; S3 allows 3 to 63",
            name.len()
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some(format!(
            "bucket name {name:?} has characters S3 does not allow"
        ));
    }
    let first_last_ok =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !first_last_ok(name.chars().next()) || !first_last_ok(name.chars().last()) {
        return Some(format!(
            "bucket name {name:?} must begin and end with a letter or digit"
        ));
    }
    if name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
    {
        return Some(format!(
            "bucket name {name:?} uses a prefix or suffix S3 reserves"
        ));
    }
    None
}

/// DynamoDB table names: 3 to 255 of `[a-zA-Z0-9_.-]`.
pub fn table_name_problem(name: &str) -> Option<String> {
    if name.len() < 3 || name.len() > 255 {
        return Some(format!(
            "table name {name:?} must be 3 to 255 characters long"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Some(format!(
            "table name {name:?} has characters DynamoDB does not allow"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_and_carry_the_suffix() {
        let n = Naming::new("trading", "dev");
        assert_eq!(n.global_cluster(), "trading-global-dev");
        assert_eq!(n.regional_cluster("us-east-1"), "trading-us-east-1-dev");
        assert_eq!(
            n.bucket("config", "us-east-1"),
            "trading-config-us-east-1-dev"
        );
        assert_eq!(n.session_table(), "trading-sessions-dev");
        assert_eq!(
            n.state_machine("us-east-2"),
            "trading-failover-us-east-2-dev"
        );
    }

    #[test]
    fn name_parts_are_checked() {
        for bad in ["", "Trading", "1abc", "a_b", "a-", "a--b", &"x".repeat(40)] {
            assert!(
                name_problem(bad, MAX_NAME_LEN).is_some(),
                "{bad:?} accepted"
            );
        }
        assert_eq!(name_problem("trading-2", MAX_NAME_LEN), None);
    }

    #[test]
    fn bucket_rules() {
        assert!(bucket_name_problem("trading-config-us-east-1-dev").is_none());
        assert!(bucket_name_problem(&format!("{}-config-us-east-1-dev", "a".repeat(50))).is_some());
        assert!(bucket_name_problem("Upper-case").is_some());
        assert!(bucket_name_problem("xn--abc").is_some());
        assert!(table_name_problem("trading-sessions-dev").is_none());
        assert!(table_name_problem("a b").is_some());
    }

    #[test]
    fn health_check_references_fit_route53s_64_characters() {
        let longest = Naming::new(&"n".repeat(MAX_NAME_LEN), &"s".repeat(MAX_SUFFIX_LEN));
        for region in ["us-east-1", "ap-southeast-2"] {
            let p = longest.health_check_prefix(region);
            assert!(p.len() + HEALTH_CHECK_TAIL <= MAX_CALLER_REFERENCE, "{p}");
            assert_eq!(p, longest.health_check_prefix(region), "stable");
            assert!(p.ends_with(&format!(":{region}:")), "{p}");
        }
        let short = Naming::new("trading", "dev");
        assert_eq!(
            short.health_check_prefix("us-east-1"),
            "trdr:trading:dev:us-east-1:"
        );
        assert_ne!(
            Naming::new(&"n".repeat(32), "a").health_check_prefix("ap-southeast-2"),
            Naming::new(&"n".repeat(32), "b").health_check_prefix("ap-southeast-2")
        );
    }
}
