//! The tags every taggable object gets: the provider's `default_tags`, then `Environment`,
//! `Region` and `ManagedBy = "trdr"`, which win over a default tag of the same key.

use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

pub const MANAGED_BY_KEY: &str = "ManagedBy";
pub const MANAGED_BY: &str = "trdr";

/// On a global cluster: the id of the `trdr_failover_orchestrator` whose watchers may fail it
/// over by themselves. The orchestrator sets it; the global database reads it.
pub const AUTOMATIC_FAILOVER_TAG: &str = "TrdrAutomaticFailover";

/// The tag that marks what trdr made (`ManagedBy = trdr`), alone.
pub fn ours() -> Tags {
    Tags::from([(MANAGED_BY_KEY.to_string(), MANAGED_BY.to_string())])
}

/// True when `tags` say trdr made the object.
pub fn is_ours(tags: &Tags) -> bool {
    tags.get(MANAGED_BY_KEY).map(String::as_str) == Some(MANAGED_BY)
}

pub fn standard(default_tags: &Tags, environment: &str, region: &str) -> Tags {
    let mut tags = default_tags.clone();
    tags.insert("Environment".into(), environment.into());
    tags.insert("Region".into(), region.into());
    tags.insert(MANAGED_BY_KEY.into(), MANAGED_BY.into());
    tags
}

/// True when `actual` carries every tag of `wanted` with the same value.
pub fn contains_all(actual: &Tags, wanted: &Tags) -> bool {
    wanted.iter().all(|(k, v)| actual.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_merge_and_standard_keys_win() {
        let defaults: Tags = [("Project", "trading"), ("ManagedBy", "someone-else")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let t = standard(&defaults, "dev", "us-east-1");
        assert_eq!(t["Project"], "trading");
        assert_eq!(t["ManagedBy"], "trdr");
        assert_eq!(t["Environment"], "dev");
        assert_eq!(t["Region"], "us-east-1");
        assert!(contains_all(
            &t,
            &standard(&Tags::new(), "dev", "us-east-1")
        ));
        assert!(is_ours(&t) && contains_all(&t, &ours()));
        assert!(!is_ours(&defaults));
    }
}
