//! Physical names: every derived name pinned, the hash that shortens long health-check
//! references pinned (it must not change between releases: a new one would orphan the checks
//! made before), and each naming rule at its boundaries.

use trdr::naming::{
    bucket_name_problem, name_problem, table_name_problem, Naming, HEALTH_CHECK_TAIL,
    MAX_CALLER_REFERENCE,
};

#[test]
fn every_derived_name_is_pinned() {
    let n = Naming::new("trading", "dev");
    assert_eq!(
        n.bucket("audit-logs", "eu-west-1"),
        "trading-audit-logs-eu-west-1-dev"
    );
    assert_eq!(n.session_table(), "trading-sessions-dev");
    assert_eq!(n.global_cluster(), "trading-global-dev");
    assert_eq!(n.master_secret(), "trdr/trading-global-dev/master");
    assert_eq!(n.regional_cluster("us-east-2"), "trading-us-east-2-dev");
    assert_eq!(
        n.state_machine("us-east-1"),
        "trading-failover-us-east-1-dev"
    );
    assert_eq!(n.watcher("us-east-1"), "trading-watcher-us-east-1-dev");
    assert_eq!(
        n.probe_connection("us-east-2"),
        "trading-probe-us-east-2-dev"
    );
    assert_eq!(n.replication_rule("us-east-2"), "trdr-trading-to-us-east-2");
}

#[test]
fn a_long_health_check_reference_is_a_pinned_hash() {
    let n = Naming::new("trading-platform-analytics-eu", "pr-1234-feature-branch");
    assert_eq!(
        n.health_check_prefix("us-east-1"),
        "trdr:h03dc7b649e04b697:us-east-1:"
    );
    assert_eq!(
        Naming::new("a", "b").health_check_prefix(&"r".repeat(60)),
        format!("trdr:he661911904a01160:{}:", "r".repeat(60))
    );
}

#[test]
fn a_readable_health_check_reference_is_kept_up_to_the_limit() {
    // "trdr:" + name + ":" + suffix + ":" + region + ":" plus the random tail: exactly 64.
    let region = "us-east-1";
    let fixed = "trdr:".len() + 3 + region.len() + HEALTH_CHECK_TAIL;
    let name = "n".repeat(MAX_CALLER_REFERENCE - fixed - 1);
    let at_limit = Naming::new(&name, "s").health_check_prefix(region);
    assert_eq!(at_limit, format!("trdr:{name}:s:{region}:"));
    assert_eq!(at_limit.len() + HEALTH_CHECK_TAIL, MAX_CALLER_REFERENCE);
    let over = Naming::new(&name, "ss").health_check_prefix(region);
    assert!(
        over.starts_with("trdr:h") && over.ends_with(":us-east-1:"),
        "{over}"
    );
    assert_eq!(over.len(), "trdr:h".len() + 16 + ":us-east-1:".len());
}

#[test]
fn name_parts_are_refused_with_the_reason() {
    let problem = |s: &str, max| name_problem(s, max).unwrap_or_default();
    let because = ", because it becomes part of AWS resource names.";
    assert_eq!(problem("", 5), format!("\"\" must not be empty{because}"));
    assert_eq!(
        problem("abcdef", 5),
        format!("\"abcdef\" is 6 characters long; at most 5 are allowed{because}")
    );
    assert_eq!(name_problem("abcde", 5), None);
    for bad in ["Ab", "a_b", "a.b", "a b"] {
        assert_eq!(
            problem(bad, 9),
            format!("{bad:?} may contain only lowercase letters, digits and hyphens{because}")
        );
    }
    for bad in ["1ab", "-ab"] {
        assert_eq!(
            problem(bad, 9),
            format!("{bad:?} must start with a lowercase letter{because}")
        );
    }
    for bad in ["ab-", "a--b"] {
        assert_eq!(
            problem(bad, 9),
            format!("{bad:?} must not end with a hyphen or contain two hyphens in a row{because}")
        );
    }
    for good in ["a", "a-b-c", "pr-123", "x9"] {
        assert_eq!(name_problem(good, 9), None, "{good}");
    }
}

#[test]
fn bucket_names_follow_s3s_rules_at_their_boundaries() {
    let length = |n: usize| {
        format!(
            "bucket name {:?} would be {n} characters long; S3 allows 3 to 63",
            "a".repeat(n)
        )
    };
    assert_eq!(bucket_name_problem("aa"), Some(length(2)));
    assert_eq!(bucket_name_problem("aaa"), None);
    assert_eq!(bucket_name_problem(&"a".repeat(63)), None);
    assert_eq!(bucket_name_problem(&"a".repeat(64)), Some(length(64)));
    assert_eq!(bucket_name_problem("a.b-9"), None);
    for bad in ["aBc", "a_b", "a b"] {
        assert_eq!(
            bucket_name_problem(bad),
            Some(format!(
                "bucket name {bad:?} has characters S3 does not allow"
            ))
        );
    }
    for bad in ["-ab", "ab-", ".ab", "ab."] {
        assert_eq!(
            bucket_name_problem(bad),
            Some(format!(
                "bucket name {bad:?} must begin and end with a letter or digit"
            ))
        );
    }
    assert_eq!(bucket_name_problem("9ab9"), None);
    for bad in ["xn--abc", "sthree-abc", "abc-s3alias", "abc--ol-s3"] {
        assert_eq!(
            bucket_name_problem(bad),
            Some(format!(
                "bucket name {bad:?} uses a prefix or suffix S3 reserves"
            ))
        );
    }
}

#[test]
fn table_names_follow_dynamodbs_rules_at_their_boundaries() {
    let length = |n: usize| {
        format!(
            "table name {:?} must be 3 to 255 characters long",
            "a".repeat(n)
        )
    };
    assert_eq!(table_name_problem("aa"), Some(length(2)));
    assert_eq!(table_name_problem("aaa"), None);
    assert_eq!(table_name_problem(&"a".repeat(255)), None);
    assert_eq!(table_name_problem(&"a".repeat(256)), Some(length(256)));
    assert_eq!(table_name_problem("A_b.c-9"), None);
    assert_eq!(
        table_name_problem("a b"),
        Some("table name \"a b\" has characters DynamoDB does not allow".to_string())
    );
}
