//! Import writes what an apply writes (issue 34): the topology applied with a configuration that
//! spells out blocks at their defaults (`session_table`, `serverless_v2`, `health_check`,
//! `runbook`, `timeouts`), taken out of the state and imported again, plans no change; the same
//! configuration with those blocks left out, applied over it (an update that changes only what
//! the anchors record), imported again, plans no change either. By id under any Terraform, by
//! identity under 1.12 and later. The sandbox shows nothing was made again.

use crate::orchestrator::writer;
use crate::support::topology::{fixtures, topology};
use crate::support::Workspace;
use crate::workspace;

const ADDRESSES: [&str; 4] = [
    "trdr_regional_stack.primary",
    "trdr_regional_stack.secondary",
    "trdr_global_database.trading",
    "trdr_failover_orchestrator.trading",
];

/// The topology with every block trdr cannot see in AWS spelled out at its defaults, and
/// timeouts set.
fn spelled_out(omitted: &str) -> String {
    let table = "  session_table {\n    hash_key    = \"sessionId\"\n    consistency = \"EVENTUAL\"\n  }\n\n  timeouts {\n    create = \"2h\"\n  }\n";
    omitted
        .replacen(
            "  region             = \"us-east-1\"\n",
            &format!("  region             = \"us-east-1\"\n\n{table}"),
            1,
        )
        .replacen(
            "  replication_role_arn = \"arn:aws:iam::000000000000:role/trdr-s3-replication\"\n",
            "  replication_role_arn = \"arn:aws:iam::000000000000:role/trdr-s3-replication\"\n\n  session_table {\n    hash_key = \"sessionId\"\n  }\n",
            1,
        )
        .replacen(
            "  primary {\n    instance_count = 1\n  }\n",
            "  serverless_v2 {\n    min_capacity = 0.5\n    max_capacity = 16\n  }\n\n  timeouts {\n    delete = \"3h\"\n    update = \"90m\"\n  }\n\n  primary {\n    instance_count = 1\n  }\n",
            1,
        )
        .replacen(
            "  primary_endpoint {\n",
            "  health_check {\n    request_interval  = 30\n    failure_threshold = 3\n  }\n\n  runbook {\n    poll_interval_seconds = 5\n  }\n\n  timeouts {\n    create = \"45m\"\n  }\n\n  primary_endpoint {\n",
            1,
        )
}

/// The topology with its health check at the defaults (interval 30, threshold 3) left out.
fn omitted(f: &crate::support::topology::Fixtures) -> String {
    topology(f, 600).replacen(
        "  health_check {\n    request_interval  = 10\n    failure_threshold = 3\n  }\n",
        "",
        1,
    )
}

/// Out of the state and back through `import` blocks: 4 imported, nothing to change after, the
/// same ids.
fn import_round(ws: &Workspace, config: &str, by_identity: bool) {
    let ids: Vec<String> = ADDRESSES
        .iter()
        .map(|a| ws.resource(a)["id"].as_str().unwrap().to_string())
        .collect();
    ws.state_rm(&ADDRESSES);
    let mut imports = String::new();
    for (address, id) in ADDRESSES.iter().zip(&ids) {
        let target = if !by_identity {
            format!("id = \"{id}\"")
        } else if let Some(region) = id.strip_prefix(&format!("trdr:{}:", ws.suffix)) {
            format!(
                "identity = {{ name = \"trdr\", environment_suffix = \"SUFFIX\", region = \"{region}\" }}"
            )
        } else {
            "identity = { name = \"trdr\", environment_suffix = \"SUFFIX\" }".to_string()
        };
        imports.push_str(&format!("\nimport {{\n  to = {address}\n  {target}\n}}\n"));
    }
    ws.write(&format!("{config}{imports}"));
    let out = ws.apply();
    assert!(
        out.contains("4 imported, 0 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    ws.assert_plan_empty();
    for (address, id) in ADDRESSES.iter().zip(&ids) {
        assert_eq!(ws.resource(address)["id"].as_str(), Some(id.as_str()));
    }
    ws.write(config);
}

async fn both_ways(ws: Workspace, by_identity: bool) {
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    let (short, long) = (omitted(&f), spelled_out(&omitted(&f)));
    for block in [
        "session_table {",
        "serverless_v2 {",
        "health_check {",
        "runbook {",
    ] {
        assert_eq!(
            long.matches(block).count() - short.matches(block).count(),
            if block == "session_table {" { 2 } else { 1 },
            "{block} spelled out"
        );
    }
    assert_eq!(long.matches("timeouts {").count(), 3, "{long}");
    ws.write(&long);
    ws.apply();
    import_round(&ws, &long, by_identity);

    // The blocks left out: an update that only rewrites what the anchors record.
    ws.write(&short);
    let out = ws.apply();
    assert!(out.contains("0 added, 4 changed, 0 destroyed"), "{out}");
    ws.assert_plan_empty();
    import_round(&ws, &short, by_identity);

    // Nothing made again: one table and its replica, one cluster per region, the writer stays.
    assert_eq!(aws.tables_with(&ws.suffix).await.len(), 2);
    assert_eq!(aws.clusters_with(&ws.suffix, "us-east-1").await.len(), 1);
    assert_eq!(aws.clusters_with(&ws.suffix, "us-east-2").await.len(), 1);
    assert_eq!(writer(&ws).await, "us-east-1");
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn import_by_id_writes_what_the_apply_wrote_with_defaults_spelled_out_or_left_out() {
    let ws = workspace!("imid");
    both_ways(ws, false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn import_by_identity_writes_what_the_apply_wrote_with_defaults_spelled_out_or_left_out() {
    let ws = workspace!("imidt");
    if !ws.has_terraform((1, 12), "imports by identity") {
        return;
    }
    both_ways(ws, true).await;
}
