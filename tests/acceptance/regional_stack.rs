//! `trdr_regional_stack` scenarios.

use std::time::Duration;

use crate::support::{eventually, Aws, CallCounter, Workspace};
use crate::workspace;

const PRIMARY: &str = "trdr_regional_stack.primary";
const SECONDARY: &str = "trdr_regional_stack.secondary";

fn role_arn() -> String {
    std::env::var("TRDR_ACC_REPLICATION_ROLE_ARN")
        .unwrap_or_else(|_| "arn:aws:iam::000000000000:role/trdr-s3-replication".into())
}

/// A primary in us-east-1 and its secondary in us-east-2, whose buckets destroy empties (the
/// tests write objects into them).
fn pair(days: u32, buckets: &str) -> String {
    format!(
        r#"
resource "trdr_regional_stack" "primary" {{
  name                               = "trdr"
  environment_suffix                 = "SUFFIX"
  region                             = "us-east-1"
  buckets                            = {buckets}
  noncurrent_version_expiration_days = {days}
  force_destroy                      = true
}}

resource "trdr_regional_stack" "secondary" {{
  name                 = "trdr"
  environment_suffix   = "SUFFIX"
  region               = "us-east-2"
  buckets              = {buckets}
  replica_of           = trdr_regional_stack.primary.id
  replication_role_arn = "{role}"
  force_destroy        = true

  noncurrent_version_expiration_days = {days}
}}
"#,
        role = role_arn()
    )
}

const DEFAULT_BUCKETS: &str = r#"["config", "audit-logs"]"#;

fn bucket(ws: &Workspace, purpose: &str, region: &str) -> String {
    format!("trdr-{purpose}-{region}-{}", ws.suffix)
}

fn table(ws: &Workspace) -> String {
    format!("trdr-sessions-{}", ws.suffix)
}

/// Checks through the SDK that the pair is fully linked and really replicates both ways.
async fn assert_pair_works(ws: &Workspace, aws: &Aws, purposes: &[&str], days: i32) {
    for purpose in purposes {
        let (p, s) = (
            bucket(ws, purpose, "us-east-1"),
            bucket(ws, purpose, "us-east-2"),
        );
        for (region, b) in [("us-east-1", &p), ("us-east-2", &s)] {
            let c = aws.s3(region).await;
            let v = c.get_bucket_versioning().bucket(b).send().await.unwrap();
            assert_eq!(
                v.status().map(|s| s.as_str()),
                Some("Enabled"),
                "{b} versioning"
            );
            let lc = c
                .get_bucket_lifecycle_configuration()
                .bucket(b)
                .send()
                .await
                .unwrap();
            let rule = &lc.rules()[0];
            assert_eq!(
                rule.noncurrent_version_expiration()
                    .and_then(|n| n.noncurrent_days()),
                Some(days),
                "{b} lifecycle"
            );
            assert_eq!(
                rule.abort_incomplete_multipart_upload()
                    .and_then(|a| a.days_after_initiation()),
                Some(7)
            );
            let pab = c.get_public_access_block().bucket(b).send().await.unwrap();
            assert_eq!(
                pab.public_access_block_configuration()
                    .unwrap()
                    .block_public_acls(),
                Some(true)
            );
            let tags = c.get_bucket_tagging().bucket(b).send().await.unwrap();
            let tags: Vec<(&str, &str)> = tags
                .tag_set()
                .iter()
                .map(|t| (t.key(), t.value()))
                .collect();
            for want in [
                ("ManagedBy", "trdr"),
                ("Environment", ws.suffix.as_str()),
                ("Region", region),
                ("Project", "trdr-acceptance"),
            ] {
                assert!(tags.contains(&want), "{b} tags {tags:?} lack {want:?}");
            }
        }
        // Exactly one rule each way, ours.
        assert_eq!(
            aws.replication_rule_ids("us-east-1", &p).await,
            vec!["trdr-trdr-to-us-east-2".to_string()]
        );
        assert_eq!(
            aws.replication_rule_ids("us-east-2", &s).await,
            vec!["trdr-trdr-to-us-east-1".to_string()]
        );

        let key = format!("forward-{}.txt", ws.suffix);
        aws.put_object("us-east-1", &p, &key, "from primary").await;
        let got = eventually(20, "object replicated to the secondary", || {
            aws.object_body("us-east-2", &s, &key)
        })
        .await;
        assert_eq!(got, "from primary");
        let key = format!("back-{}.txt", ws.suffix);
        aws.put_object("us-east-2", &s, &key, "from secondary")
            .await;
        let got = eventually(20, "object replicated back to the primary", || {
            aws.object_body("us-east-1", &p, &key)
        })
        .await;
        assert_eq!(got, "from secondary");
    }

    let t = table(ws);
    let primary_db = aws.dynamodb("us-east-1").await;
    let desc = primary_db
        .describe_table()
        .table_name(&t)
        .send()
        .await
        .unwrap();
    let desc = desc.table().unwrap();
    assert_eq!(
        desc.billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str()),
        Some("PAY_PER_REQUEST")
    );
    assert_eq!(
        desc.stream_specification()
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str()),
        Some("NEW_AND_OLD_IMAGES")
    );
    let replicas: Vec<_> = desc
        .replicas()
        .iter()
        .map(|r| {
            (
                r.region_name().unwrap_or_default(),
                r.replica_status().map(|s| s.as_str()),
            )
        })
        .collect();
    assert_eq!(replicas, vec![("us-east-2", Some("ACTIVE"))]);
    assert!(
        aws.pitr_enabled("us-east-1", &t).await,
        "PITR on the primary table"
    );
    assert!(
        aws.pitr_enabled("us-east-2", &t).await,
        "PITR on the replica"
    );

    use aws_sdk_dynamodb::types::AttributeValue;
    let id = format!("session-{}", ws.suffix);
    primary_db
        .put_item()
        .table_name(&t)
        .item("sessionId", AttributeValue::S(id.clone()))
        .item("trader", AttributeValue::S("alice".into()))
        .send()
        .await
        .unwrap();
    let secondary_db = aws.dynamodb("us-east-2").await;
    let item = eventually(20, "item replicated to us-east-2", || {
        let (db, t, id) = (&secondary_db, &t, &id);
        async move {
            db.get_item()
                .table_name(t)
                .key("sessionId", AttributeValue::S(id.clone()))
                .send()
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "GetItem {t}: {}",
                        aws_sdk_dynamodb::error::DisplayErrorContext(&e)
                    )
                })
                .item
        }
    })
    .await;
    assert_eq!(item.get("trader"), Some(&AttributeValue::S("alice".into())));
}

#[tokio::test(flavor = "multi_thread")]
async fn pair_replicates_both_ways_imports_updates_and_destroys() {
    let ws = workspace!("pair");
    let aws = ws.aws();
    ws.write(&pair(30, DEFAULT_BUCKETS));
    ws.apply();
    assert_pair_works(&ws, &aws, &["config", "audit-logs"], 30).await;
    // DynamoDB refused point-in-time recovery right after the table and its replica became
    // ACTIVE ("backups are being enabled"), as AWS may; the apply waited it out.
    if let Some(s) = crate::support::sandbox::Sandbox::at(ws.endpoint.as_deref()) {
        assert!(
            s.refusals("continuous_backups_unavailable") > 0,
            "the sandbox refused UpdateContinuousBackups at first"
        );
        // ListTagsOfResource answered stale tags right after the tables were tagged, as AWS
        // documents it may; the apply did not mistake that for drift (its state has none).
        assert!(
            s.refusals("dynamodb_tags_stale") > 0,
            "the sandbox answered stale tags at first"
        );
    }

    let secondary = ws.resource(SECONDARY);
    assert_eq!(secondary["replica_status"], "ACTIVE");
    assert_eq!(secondary["drift"], serde_json::json!([]));
    assert_eq!(
        secondary["bucket_names"]["config"],
        bucket(&ws, "config", "us-east-2")
    );
    assert_eq!(
        ws.resource(PRIMARY)["id"],
        format!("trdr:{}:us-east-1", ws.suffix)
    );
    assert!(secondary["stream_arn"]
        .as_str()
        .unwrap()
        .contains(":us-east-2:"));
    ws.assert_plan_empty();

    // Import round-trip: forget both, import them by id, and the plan is empty again.
    ws.state_rm(&[PRIMARY, SECONDARY]);
    ws.import(PRIMARY, &format!("trdr:{}:us-east-1", ws.suffix));
    ws.import(SECONDARY, &format!("trdr:{}:us-east-2", ws.suffix));
    assert_eq!(
        ws.resource(SECONDARY)["replica_of"],
        format!("trdr:{}:us-east-1", ws.suffix)
    );
    // AWS keeps no force_destroy: an import records the default (false), as an apply of a
    // configuration without it would, and the configured true is set in place without a call.
    assert_eq!(ws.resource(SECONDARY)["force_destroy"], false);
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("0 to add, 2 to change, 0 to destroy")
            && plan.matches("~ force_destroy").count() == 2,
        "only force_destroy changes after the import:\n{plan}"
    );
    ws.apply();
    ws.assert_plan_empty();

    // In-place update: longer retention and a third bucket purpose, replicated too.
    ws.write(&pair(45, r#"["config", "audit-logs", "reports"]"#));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("2 to change, 0 to destroy"),
        "in place, no replacement:\n{plan}"
    );
    ws.apply();
    assert_pair_works(&ws, &aws, &["config", "audit-logs", "reports"], 45).await;
    ws.assert_plan_empty();

    // Leave noncurrent versions and a delete marker behind: force_destroy must empty them all.
    let p_config = bucket(&ws, "config", "us-east-1");
    let key = format!("forward-{}.txt", ws.suffix);
    aws.put_object("us-east-1", &p_config, &key, "second version")
        .await;
    aws.s3("us-east-1")
        .await
        .delete_object()
        .bucket(&p_config)
        .key(&key)
        .send()
        .await
        .unwrap();
    let versions = aws
        .s3("us-east-1")
        .await
        .list_object_versions()
        .bucket(&p_config)
        .send()
        .await
        .unwrap();
    assert!(!versions.delete_markers().is_empty() && versions.versions().len() >= 2);

    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_band_drift_shows_in_the_plan_and_apply_repairs_it() {
    let ws = workspace!("drift");
    let aws = ws.aws();
    ws.write(&pair(30, DEFAULT_BUCKETS));
    ws.apply();

    let (p_config, s_config) = (
        bucket(&ws, "config", "us-east-1"),
        bucket(&ws, "config", "us-east-2"),
    );
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    aws.s3("us-east-2")
        .await
        .put_bucket_versioning()
        .bucket(bucket(&ws, "audit-logs", "us-east-2"))
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    use aws_sdk_dynamodb::types::PointInTimeRecoverySpecification;
    aws.dynamodb("us-east-2")
        .await
        .update_continuous_backups()
        .table_name(table(&ws))
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    aws.s3("us-east-1")
        .await
        .delete_bucket_replication()
        .bucket(&p_config)
        .send()
        .await
        .unwrap();

    let (code, plan) = ws.plan();
    assert_eq!(code, 2, "drift must show as a change:\n{plan}");
    for expected in [
        "versioning is not enabled",
        "point-in-time recovery is off",
        &format!("from {p_config} to {s_config} is missing"),
    ] {
        assert!(
            plan.contains(expected),
            "plan does not mention {expected:?}:\n{plan}"
        );
    }
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");

    ws.apply();
    assert_pair_works(&ws, &aws, &["config", "audit-logs"], 30).await;
    ws.assert_plan_empty();
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_apply_then_apply_again_converges_without_duplicates() {
    let ws = workspace!("crash");
    let aws = ws.aws();
    ws.write(&pair(30, DEFAULT_BUCKETS));

    // Kill terraform and the provider together once the secondary has begun.
    let (watched, a) = (bucket(&ws, "config", "us-east-2"), &aws);
    let (watched, suffix) = (&watched, &ws.suffix);
    let killed_mid_apply = ws
        .interrupt(
            &["apply", "-auto-approve", "-input=false"],
            Duration::from_secs(120),
            move || async move { a.buckets_with(suffix).await.contains(watched) },
            || async { true },
        )
        .await;
    assert!(
        killed_mid_apply,
        "the apply finished before it could be killed; the scenario proved nothing"
    );

    ws.apply();
    ws.assert_plan_empty();
    assert_pair_works(&ws, &aws, &["config", "audit-logs"], 30).await;
    let mut buckets = aws.buckets_with(&ws.suffix).await;
    buckets.sort();
    assert_eq!(buckets.len(), 4, "no duplicates: {buckets:?}");

    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// force_destroy is false unless set, as in hashicorp/aws: a destroy refuses a bucket that still
/// holds objects, naming the attribute, and deletes nothing of it; set to true, the next destroy
/// empties it and leaves nothing.
#[tokio::test(flavor = "multi_thread")]
async fn without_force_destroy_a_destroy_refuses_a_bucket_that_holds_objects() {
    let ws = workspace!("keep");
    let aws = ws.aws();
    let config = r#"
resource "trdr_regional_stack" "primary" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
  buckets            = ["config"]
}
"#;
    ws.write(config);
    ws.apply();
    assert_eq!(ws.resource(PRIMARY)["force_destroy"], false, "the default");
    let config_bucket = bucket(&ws, "config", "us-east-1");
    let key = format!("keep-{}.txt", ws.suffix);
    aws.put_object("us-east-1", &config_bucket, &key, "kept")
        .await;

    let out = ws.run(&["destroy", "-auto-approve", "-input=false"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "the destroy was meant to fail:\n{text}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "bucket {config_bucket} is not empty and force_destroy is false"
        )) && flat.contains("force_destroy"),
        "the diagnostic names the bucket and the attribute:\n{text}"
    );
    let kept = aws
        .s3("us-east-1")
        .await
        .get_object()
        .bucket(&config_bucket)
        .key(&key)
        .send()
        .await
        .expect("the object is still there after the refused destroy");
    let body = kept.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"kept");
    assert_eq!(
        ws.resource(PRIMARY)["id"],
        format!("trdr:{}:us-east-1", ws.suffix),
        "state still holds the stack"
    );

    ws.write(&config.replace(
        "  buckets            = [\"config\"]\n",
        "  buckets            = [\"config\"]\n  force_destroy      = true\n",
    ));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    ws.apply();
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// A secondary bucket whose primary has none to replicate: the apply fails naming `buckets` and
/// the missing purpose (S3's own `NoSuchBucket` from the replication call says so; no look
/// first), and destroy leaves nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_secondary_bucket_the_primary_lacks_fails_naming_buckets() {
    let ws = workspace!("nosub");
    let aws = ws.aws();
    let primary_line = format!("buckets                            = {DEFAULT_BUCKETS}");
    let config = pair(30, DEFAULT_BUCKETS);
    assert!(config.contains(&primary_line), "{config}");
    ws.write(&config.replace(
        &primary_line,
        r#"buckets                            = ["config"]"#,
    ));
    let text = ws.apply_failing();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(r#"the primary stack has no bucket "audit-logs""#)
            && flat.contains("buckets"),
        "the diagnostic names the attribute and the purpose:\n{text}"
    );
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[test]
fn bad_input_fails_at_plan_naming_the_attribute_with_no_aws_call() {
    let ws = workspace!("bad");
    let counter = CallCounter::new();
    let stack = |extra: &str| {
        format!(
            r#"
resource "trdr_regional_stack" "primary" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
  {extra}
}}"#
        )
    };
    let secondary_same_region = format!(
        r#"{}
resource "trdr_regional_stack" "secondary" {{
  name                 = "trdr"
  environment_suffix   = "SUFFIX"
  region               = "us-east-1"
  replica_of           = trdr_regional_stack.primary.id
  replication_role_arn = "arn:aws:iam::000000000000:role/r"
}}"#,
        stack("")
    );
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "replica_of in the same region",
            String::new(),
            secondary_same_region,
            "replica_of",
        ),
        (
            "duplicate bucket purposes",
            String::new(),
            stack(r#"buckets = ["config", "config"]"#),
            "buckets[1]",
        ),
        (
            "non-DNS bucket purpose",
            String::new(),
            stack(r#"buckets = ["Config_Logs"]"#),
            "buckets[0]",
        ),
        (
            "suffix makes a bucket name too long",
            String::new(),
            stack("")
                .replace("\"SUFFIX\"", "\"a-very-long-suffix-x1234\"")
                .replace("\"trdr\"", "\"tradingplatform-core\""),
            "environment_suffix",
        ),
        (
            "same region twice",
            "  secondary_region = \"us-east-1\"\n".into(),
            stack(""),
            "secondary_region",
        ),
        (
            "negative expiry",
            String::new(),
            stack("noncurrent_version_expiration_days = -5"),
            "noncurrent_version_expiration_days",
        ),
        (
            "uppercase name",
            String::new(),
            stack("").replace("\"trdr\"", "\"Trading\""),
            "name",
        ),
        (
            "bad role ARN",
            String::new(),
            secondary_same_region_role(&stack("")),
            "replication_role_arn",
        ),
        (
            "strong consistency across region sets",
            String::new(),
            format!(
                r#"{}
resource "trdr_regional_stack" "secondary" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "eu-west-1"
  buckets            = []
  replica_of         = trdr_regional_stack.primary.id
  session_table {{
    consistency = "STRONG"
  }}
}}"#,
                stack(
                    "buckets = []
  session_table {
    consistency = \"STRONG\"
  }"
                )
            ),
            "session_table[0].consistency",
        ),
        (
            "a witness on the primary",
            String::new(),
            stack(
                "session_table {
    consistency    = \"STRONG\"
    witness_region = \"us-west-2\"
  }",
            ),
            "session_table[0].witness_region",
        ),
        (
            "bad timeout",
            String::new(),
            stack("timeouts {\n    create = \"soon\"\n  }"),
            "timeouts[0].create",
        ),
    ];
    let mut ws = ws;
    for (what, provider_extra, body, attr) in cases {
        ws.provider_extra = format!("  endpoint_url = \"{}\"\n{provider_extra}", counter.url());
        // `secondary_region` in the base block would be duplicated; the provider block takes the override.
        ws.write(&body);
        if provider_extra.contains("secondary_region") {
            let main = std::fs::read_to_string(ws.path().join("main.tf")).unwrap();
            std::fs::write(
                ws.path().join("main.tf"),
                main.replacen("  secondary_region = \"us-east-2\"\n", "", 1),
            )
            .unwrap();
        }
        let (code, out) = ws.plan();
        assert_eq!(code, 1, "{what}: plan must fail:\n{out}");
        assert!(
            out.contains(attr),
            "{what}: the error must name {attr}:\n{out}"
        );
        assert!(
            !out.contains("panic") && !out.contains("plugin crashed"),
            "{what}: {out}"
        );
    }
    assert_eq!(
        counter.connections(),
        0,
        "bad input must fail before any AWS call"
    );
}

fn secondary_same_region_role(primary: &str) -> String {
    format!(
        r#"{primary}
resource "trdr_regional_stack" "secondary" {{
  name                 = "trdr"
  environment_suffix   = "SUFFIX"
  region               = "us-east-2"
  replica_of           = trdr_regional_stack.primary.id
  replication_role_arn = "trdr-s3-replication"
}}"#
    )
}

/// A pair without buckets whose session tables take `primary` and `secondary` as consistency,
/// and what readiness says of their sessions.
fn consistency_pair(primary: &str, secondary: &str) -> String {
    format!(
        r#"
resource "trdr_regional_stack" "primary" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
  buckets            = []
  session_table {{
    consistency = "{primary}"
  }}
}}

resource "trdr_regional_stack" "secondary" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-2"
  buckets            = []
  replica_of         = trdr_regional_stack.primary.id
  session_table {{
    consistency = "{secondary}"
  }}
}}

data "trdr_failover_readiness" "sessions" {{
  global_database_id = "trdr-global-SUFFIX"
  regional_stack_ids = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]
}}

output "sessions" {{
  value = [for c in data.trdr_failover_readiness.sessions.checks : c if startswith(c.name, "session consistency")]
}}
"#
    )
}

/// The table's mode, witness and replicas as DynamoDB in `region` reports them.
async fn global_table(
    aws: &Aws,
    region: &str,
    table: &str,
) -> (Option<String>, Vec<(String, String)>, Vec<String>) {
    let d = aws
        .dynamodb(region)
        .await
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let t = d.table().unwrap();
    (
        t.multi_region_consistency().map(|m| m.as_str().to_string()),
        t.global_table_witnesses()
            .iter()
            .map(|w| {
                (
                    w.region_name().unwrap_or_default().to_string(),
                    w.witness_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        t.replicas()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect(),
    )
}

/// Writes session `id` in `region`: DynamoDB's refusal, if any, as text.
pub async fn put_session(
    aws: &Aws,
    region: &str,
    table: &str,
    id: &str,
    value: &str,
) -> Result<(), String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    aws.dynamodb(region)
        .await
        .put_item()
        .table_name(table)
        .item("sessionId", AttributeValue::S(id.into()))
        .item("value", AttributeValue::S(value.into()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("PutItem {id} in {region}: {e:?}"))
}

/// A strongly consistent read of session `id` in `region`: its value, or None.
pub async fn read_session(aws: &Aws, region: &str, table: &str, id: &str) -> Option<String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let out = aws
        .dynamodb(region)
        .await
        .get_item()
        .table_name(table)
        .key("sessionId", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetItem {id} in {region}: {e:?}"));
    out.item()
        .and_then(|i| i.get("value"))
        .and_then(|v| v.as_s().ok())
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn strong_pair_is_mrsc_with_a_witness_reads_strongly_anywhere_and_mode_changes_replace_or_refuse(
) {
    let ws = workspace!("mrsc");
    let aws = ws.aws();
    let t = table(&ws);

    ws.write(&consistency_pair("STRONG", "STRONG"));
    ws.apply();
    for region in ["us-east-1", "us-east-2"] {
        let (mode, witnesses, _) = global_table(&aws, region, &t).await;
        assert_eq!(mode.as_deref(), Some("STRONG"), "{region}");
        assert_eq!(
            witnesses,
            vec![("us-west-2".to_string(), "ACTIVE".to_string())],
            "{region}"
        );
    }
    assert_eq!(
        global_table(&aws, "us-east-1", &t).await.2,
        vec!["us-east-2".to_string()]
    );
    let secondary = ws.resource(SECONDARY);
    assert_eq!(secondary["session_table"][0]["witness_region"], "us-west-2");
    assert_eq!(secondary["witness_status"], "ACTIVE");
    assert_eq!(secondary["replica_status"], "ACTIVE");

    // A write acknowledged in either region is what a strongly consistent read returns in the
    // other, at once: no waiting for replication.
    put_session(&aws, "us-east-1", &t, "from-east-1", "one")
        .await
        .unwrap();
    assert_eq!(
        read_session(&aws, "us-east-2", &t, "from-east-1")
            .await
            .as_deref(),
        Some("one")
    );
    put_session(&aws, "us-east-2", &t, "from-east-2", "two")
        .await
        .unwrap();
    assert_eq!(
        read_session(&aws, "us-east-1", &t, "from-east-2")
            .await
            .as_deref(),
        Some("two")
    );

    // Readiness reports the mode and the witness.
    let out = ws.run(&["output", "-json", "sessions"]);
    let checks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |region: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str().unwrap().contains(region))
            .cloned()
            .unwrap_or_else(|| panic!("no session check for {region}: {checks}"))
    };
    let s = of("us-east-2");
    assert_eq!(s["status"], "pass", "{s}");
    assert!(
        s["detail"]
            .as_str()
            .unwrap()
            .contains("witness in us-west-2 ACTIVE"),
        "{s}"
    );
    assert!(
        of("us-east-1")["detail"]
            .as_str()
            .unwrap()
            .starts_with("STRONG"),
        "{checks}"
    );
    ws.assert_plan_empty();

    // Import rebuilds the mode and the witness from DynamoDB: the configuration plans no change.
    ws.state_rm(&[PRIMARY, SECONDARY]);
    ws.import(PRIMARY, &format!("trdr:{}:us-east-1", ws.suffix));
    ws.import(SECONDARY, &format!("trdr:{}:us-east-2", ws.suffix));
    assert_eq!(
        ws.resource(SECONDARY)["session_table"][0]["witness_region"],
        "us-west-2"
    );
    ws.assert_plan_empty();

    // The primary alone changing mode: a replacement the plan warns about, refused at apply
    // while the secondary lives; nothing changes.
    ws.write(&consistency_pair("EVENTUAL", "STRONG"));
    let plan = ws.plan_with_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    assert!(
        plan.contains("Changing the session table's consistency replaces regional stack"),
        "{plan}"
    );
    assert!(plan.contains("every session in it"), "{plan}");
    let text = ws.apply_failing();
    assert!(text.contains("still has a live secondary"), "{text}");
    assert_eq!(
        global_table(&aws, "us-east-1", &t).await.0.as_deref(),
        Some("STRONG")
    );
    assert_eq!(
        read_session(&aws, "us-east-1", &t, "from-east-1")
            .await
            .as_deref(),
        Some("one")
    );

    // Both going EVENTUAL: both replaced, the secondary destroyed first (its replica with the
    // witness: the sandbox, like DynamoDB, refuses one without the other), the primary's table
    // made again, as the warnings said: the sessions are gone.
    ws.write(&consistency_pair("STRONG", "EVENTUAL"));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("trdr_regional_stack.secondary must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("its items stay in the primary's table in us-east-1"),
        "{plan}"
    );
    ws.write(&consistency_pair("EVENTUAL", "EVENTUAL"));
    ws.apply();
    let (mode, witnesses, replicas) = global_table(&aws, "us-east-1", &t).await;
    assert_eq!(
        (mode.as_deref(), witnesses.len(), replicas),
        (Some("EVENTUAL"), 0, vec!["us-east-2".to_string()])
    );
    assert_eq!(
        read_session(&aws, "us-east-1", &t, "from-east-1").await,
        None
    );
    assert_eq!(
        ws.resource(SECONDARY)["witness_status"],
        serde_json::Value::Null
    );
    ws.assert_plan_empty();

    // Back to STRONG on the secondary alone, with sessions in the primary's table: the plan warns,
    // the apply refuses before making the replica, naming the attribute.
    put_session(&aws, "us-east-1", &t, "kept", "in the primary")
        .await
        .unwrap();
    ws.write(&consistency_pair("EVENTUAL", "STRONG"));
    let plan = ws.plan_with_changes();
    assert!(plan.contains("holds items"), "{plan}");
    let text = ws.apply_failing();
    let error = text.split("Error:").nth(1).unwrap_or_default();
    assert!(
        error.contains("consistency = \"STRONG\"") && error.contains("holds items"),
        "the error names session_table.consistency: {text}"
    );
    assert_eq!(
        read_session(&aws, "us-east-1", &t, "kept").await.as_deref(),
        Some("in the primary")
    );

    ws.destroy();
    // The witness's region too.
    aws.assert_nothing_left_in(&ws.suffix, &[ws.regions.0, ws.regions.1, "us-west-2"])
        .await;
}
