//! Terraform's own semantics through the real `terraform`: a create never takes over what another
//! configuration (or the old half of a `create_before_destroy` replacement) owns; a primary stack
//! with a live secondary is not destroyed behind the secondary's back; refresh writes what AWS
//! has into the configurable attributes, so `ignore_changes` and `-refresh-only` work.

use crate::support::topology::{fixtures, topology};
use crate::support::Workspace;
use crate::workspace;

const PRIMARY: &str = "trdr_regional_stack.primary";
const SECONDARY: &str = "trdr_regional_stack.secondary";
const ORCH: &str = "trdr_failover_orchestrator.trading";

fn output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `terraform args` and returns its output, asserting it failed.
fn fails(ws: &Workspace, args: &[&str]) -> String {
    let out = ws.run(args);
    // Terraform wraps diagnostics at 80 columns.
    let text = output(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !out.status.success(),
        "terraform {args:?} succeeded:\n{text}"
    );
    text
}

/// Everything the topology owns is there, as the first apply made it.
async fn assert_topology_intact(ws: &Workspace, f_role: &str) {
    let aws = ws.aws();
    let s = &ws.suffix;
    let g = aws
        .rds("us-east-1")
        .await
        .describe_global_clusters()
        .global_cluster_identifier(format!("trdr-global-{s}"))
        .send()
        .await
        .unwrap();
    let g = &g.global_clusters()[0];
    assert_eq!(g.global_cluster_members().len(), 2, "two members: {g:?}");
    for region in ["us-east-1", "us-east-2"] {
        assert_eq!(
            aws.instances_with(s, region).await.len(),
            1,
            "one instance in {region}, as the owning configuration says"
        );
        let cluster = aws
            .rds(region)
            .await
            .describe_db_clusters()
            .db_cluster_identifier(format!("trdr-{region}-{s}"))
            .send()
            .await
            .unwrap();
        let cluster = &cluster.db_clusters()[0];
        assert_eq!(cluster.backup_retention_period(), Some(7));
        assert_eq!(cluster.database_name(), None, "no database_name was set");
        let sfn = aws.sfn(region).await;
        let runbook = aws
            .state_machines(region)
            .await
            .into_iter()
            .find(|m| m.name().contains(s.as_str()))
            .unwrap_or_else(|| panic!("runbook in {region}"));
        let d = sfn
            .describe_state_machine()
            .state_machine_arn(runbook.state_machine_arn())
            .send()
            .await
            .unwrap();
        assert_eq!(d.role_arn(), f_role);
    }
    let table = format!("trdr-sessions-{s}");
    let t = aws
        .dynamodb("us-east-1")
        .await
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let t = t.table().unwrap();
    assert_eq!(
        t.key_schema()[0].attribute_name(),
        "sessionId",
        "the table keeps its key"
    );
    assert!(
        t.replicas()
            .iter()
            .any(|r| r.region_name() == Some("us-east-2")
                && r.replica_status().map(|s| s.as_str()) == Some("ACTIVE")),
        "the replica in us-east-2 is still there: {:?}",
        t.replicas()
    );
    assert_eq!(aws.buckets_with(s).await.len(), 4, "four buckets");
    assert_eq!(
        aws.health_checks_with(s).await.len(),
        2,
        "two health checks"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_configuration_and_create_before_destroy_never_take_over_live_objects() {
    let ws = workspace!("own");
    let f = fixtures(&ws).await;
    let base = topology(&f, 300);
    ws.write(&base);
    ws.apply();
    assert_topology_intact(&ws, &f.role_arn).await;

    // A second configuration with the same names (and other settings): every resource it would
    // create already exists, owned by the first. Ids are literals so each create is attempted.
    let mut other = Workspace::new("own2", ws.endpoint.clone());
    other.suffix = ws.suffix.clone();
    let intruder = base
        .replace("trdr_global_database.trading.id", "\"trdr-global-SUFFIX\"")
        .replace(
            "trdr_regional_stack.primary.id",
            "\"trdr:SUFFIX:us-east-1\"",
        )
        .replace(
            "trdr_regional_stack.secondary.id",
            "\"trdr:SUFFIX:us-east-2\"",
        )
        .replace("trdr_failover_orchestrator.trading.id", "\"trdr:SUFFIX\"")
        .replace("\"dbadmin\"", "\"intruder\"")
        .replace("instance_count = 1", "instance_count = 2");
    other.write(&intruder);
    let text = fails(&other, &["apply", "-auto-approve", "-input=false"]);
    for refused in [
        format!("Global database trdr-global-{} already exists", ws.suffix),
        format!("Regional stack trdr:{}:us-east-1 already exists", ws.suffix),
        format!("Regional stack trdr:{}:us-east-2 already exists", ws.suffix),
        format!("Failover orchestrator trdr:{} already exists", ws.suffix),
    ] {
        assert!(text.contains(&refused), "no {refused:?} in:\n{text}");
    }
    assert!(
        text.contains(&format!(
            "terraform import <resource address> trdr-global-{}",
            ws.suffix
        )),
        "the diagnostic gives the import command:\n{text}"
    );
    let listed = other.run(&["state", "list"]);
    assert!(
        !String::from_utf8_lossy(&listed.stdout)
            .lines()
            .any(|l| l.starts_with("trdr_")),
        "the second configuration recorded nothing: {}",
        output(&listed)
    );
    assert_topology_intact(&ws, &f.role_arn).await;
    ws.assert_plan_empty();

    // create_before_destroy with a replacing change on each resource type: the new resource
    // would have the old one's names, so each create is refused before anything is touched.
    // The orchestrator goes alone: it depends on the database, whose refusal would stop it.
    let cbd = "  lifecycle {\n    create_before_destroy = true\n  }\n";
    let data_tier = base
        .replace(
            "  master_username    = \"dbadmin\"\n",
            &format!("  master_username    = \"dbadmin\"\n  database_name      = \"other\"\n{cbd}"),
        )
        .replace(
            "  region             = \"us-east-1\"\n}",
            &format!("  region             = \"us-east-1\"\n  session_table {{\n    hash_key = \"id\"\n  }}\n{cbd}}}"),
        );
    let runbooks = base.replace(
        "    record_name = \"api.SUFFIX.example.com\"\n  }\n",
        &format!("    record_name = \"www.SUFFIX.example.com\"\n  }}\n{cbd}"),
    );
    for (replacing, refused) in [
        (data_tier, vec!["Global database", "Regional stack"]),
        (runbooks, vec!["Failover orchestrator"]),
    ] {
        assert_eq!(
            replacing.matches("create_before_destroy").count(),
            refused.len()
        );
        ws.write(&replacing);
        let plan = ws.plan_with_changes();
        assert!(
            plan.contains("+/- create replacement and then destroy"),
            "{plan}"
        );
        let text = fails(&ws, &["apply", "-auto-approve", "-input=false"]);
        for what in refused {
            assert!(
                text.contains(&format!("Error: {what} ")) && text.contains("already exists"),
                "{what} was not refused:\n{text}"
            );
        }
        assert!(text.contains("Remove create_before_destroy"), "{text}");
        assert!(
            !text.contains("Destruction complete"),
            "nothing destroyed:\n{text}"
        );
        assert_topology_intact(&ws, &f.role_arn).await;
        ws.write(&base);
        ws.assert_plan_empty();
    }

    // Replacing the primary stack alone would delete the secondary's replica: refused, nothing
    // changed. Replacing both (the secondary is destroyed first) is the documented way.
    let text = fails(
        &ws,
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            &format!("-replace={PRIMARY}"),
        ],
    );
    assert!(text.contains("still has a live secondary"), "{text}");
    assert!(
        text.contains(&format!("-replace={SECONDARY}").replace(SECONDARY, "<secondary address>")),
        "{text}"
    );
    assert_topology_intact(&ws, &f.role_arn).await;
    ws.assert_plan_empty();
    let out = ws.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        &format!("-replace={SECONDARY}"),
        &format!("-replace={PRIMARY}"),
    ]);
    assert!(out.status.success(), "{}", output(&out));
    assert_topology_intact(&ws, &f.role_arn).await;
    ws.assert_plan_empty();

    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_band_settings_are_attributes_that_ignore_changes_and_refresh_only_see() {
    let ws = workspace!("ign");
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    let base = topology(&f, 300);
    ws.write(&base);
    ws.apply();
    let o = ws.resource(ORCH);
    let hc = o["health_check_ids"]["us-east-1"]
        .as_str()
        .unwrap()
        .to_string();
    let r53 = aws.route53().await;
    r53.update_health_check()
        .health_check_id(&hc)
        .failure_threshold(5)
        .send()
        .await
        .unwrap();

    // The change is an attribute: plan shows it, -refresh-only shows it.
    let plan = ws.plan_with_changes();
    assert!(plan.contains("failure_threshold = 5 -> 3"), "{plan}");
    let out = ws.run(&["plan", "-refresh-only", "-input=false"]);
    let text = output(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("failure_threshold") && text.contains('5'),
        "-refresh-only shows the threshold AWS has:\n{text}"
    );

    // ignore_changes = [health_check] accepts it: an empty plan, and AWS keeps 5.
    let ignoring = base.replace(
        "  health_check {",
        "  lifecycle {\n    ignore_changes = [health_check]\n  }\n\n  health_check {",
    );
    assert_ne!(ignoring, base);
    ws.write(&ignoring);
    ws.assert_plan_empty();
    ws.apply();
    let threshold = |h: aws_sdk_route53::operation::get_health_check::GetHealthCheckOutput| {
        h.health_check()
            .and_then(|h| h.health_check_config())
            .and_then(|c| c.failure_threshold())
    };
    let got = r53
        .get_health_check()
        .health_check_id(&hc)
        .send()
        .await
        .unwrap();
    assert_eq!(threshold(got), Some(5), "ignored, so left as AWS has it");

    // Without ignore_changes the apply puts the configured value back, in place.
    ws.write(&base);
    let plan = ws.plan_with_changes();
    assert!(plan.contains("failure_threshold = 5 -> 3"), "{plan}");
    ws.apply();
    let got = r53
        .get_health_check()
        .health_check_id(&hc)
        .send()
        .await
        .unwrap();
    assert_eq!(threshold(got), Some(3));
    assert_eq!(
        ws.resource(ORCH)["health_check_ids"]["us-east-1"],
        hc.as_str()
    );
    ws.assert_plan_empty();

    // A TTL and an endpoint's host name changed out of band: attribute diffs, repaired in place
    // with no "inconsistent result" (the runbooks keep their ARNs, PRIMARY its region).
    let zone = f.zone_id.clone();
    let sets = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    let name = format!("api.{}.example.com.", ws.suffix);
    let changes: Vec<_> = sets
        .resource_record_sets()
        .iter()
        .filter(|r| r.name() == name)
        .map(|r| {
            let mut r = r.clone();
            r.ttl = Some(120);
            aws_sdk_route53::types::Change::builder()
                .action(aws_sdk_route53::types::ChangeAction::Upsert)
                .resource_record_set(r)
                .build()
                .unwrap()
        })
        .collect();
    assert_eq!(changes.len(), 2, "the failover pair");
    r53.change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(
            aws_sdk_route53::types::ChangeBatch::builder()
                .set_changes(Some(changes))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let hc2 = o["health_check_ids"]["us-east-2"]
        .as_str()
        .unwrap()
        .to_string();
    r53.update_health_check()
        .health_check_id(&hc2)
        .fully_qualified_domain_name("moved.example.net")
        .send()
        .await
        .unwrap();
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("ttl         = 120 -> 60") || plan.contains("ttl = 120 -> 60"),
        "{plan}"
    );
    assert!(plan.contains("\"moved.example.net\" ->"), "{plan}");
    let arns = ws.resource(ORCH)["state_machine_arns"].clone();
    let applied = ws.apply();
    assert!(!applied.contains("inconsistent"), "{applied}");
    ws.assert_plan_empty();
    let after = ws.resource(ORCH);
    assert_eq!(after["state_machine_arns"], arns);
    assert_eq!(after["active_region"], "us-east-1");
    assert_eq!(after["dns"]["ttl"], 60);
    let got = r53
        .get_health_check()
        .health_check_id(&hc2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.health_check()
            .and_then(|h| h.health_check_config())
            .and_then(|c| c.fully_qualified_domain_name()),
        Some(crate::support::topology::SECONDARY_FQDN)
    );

    // A bucket deleted out of band leaves `buckets`; the apply creates it again.
    let bucket = format!("trdr-audit-logs-us-east-2-{}", ws.suffix);
    let s3 = aws.s3("us-east-2").await;
    if let Ok(l) = s3.list_object_versions().bucket(&bucket).send().await {
        assert!(l.versions().is_empty(), "an empty bucket to delete");
    }
    s3.delete_bucket_replication()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
    let plan = ws.plan_with_changes();
    assert!(plan.contains("+ \"audit-logs\""), "{plan}");
    ws.apply();
    assert!(aws.buckets_with(&ws.suffix).await.contains(&bucket));
    ws.assert_plan_empty();

    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}
