//! The whole lifecycle through 20% throttling, 5% other 5xx, 2% dropped connections and 30 ms of
//! latency per call, each fault in the shape of the call's own protocol (trdr_testing::protocol).

use std::time::{Duration, Instant};

use aws_sdk_sfn::error::DisplayErrorContext;
use trdr_testing::proxy::Faults;

use crate::support::topology::{fixtures, topology};
use crate::support::Workspace;
use crate::workspace;

/// The region of the global database's writer member, as `DescribeGlobalClusters` reports it
/// (straight to the sandbox, not through the faults).
async fn writer_region(ws: &Workspace) -> String {
    let id = format!("trdr-global-{}", ws.suffix);
    let out = ws
        .aws()
        .rds("us-east-1")
        .await
        .describe_global_clusters()
        .global_cluster_identifier(&id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeGlobalClusters {id}: {}", DisplayErrorContext(&e)));
    let [g] = out.global_clusters() else {
        panic!("DescribeGlobalClusters {id}: {out:?}");
    };
    let writers: Vec<&str> = g
        .global_cluster_members()
        .iter()
        .filter(|m| m.is_writer() == Some(true))
        .filter_map(|m| m.db_cluster_arn()?.split(':').nth(3))
        .collect();
    let [region] = writers[..] else {
        panic!("one writer member expected: {g:?}");
    };
    region.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn full_topology_apply_failover_and_destroy_survive_a_flaky_aws() {
    let mut ws = workspace!("flaky");
    if ws.endpoint.is_none() {
        crate::support::skip("faults are injected by a proxy in front of the sandbox");
        return;
    }
    let f = fixtures(&ws).await;
    let faults = Faults {
        latency: Duration::from_millis(30),
        throttle: 0.20,
        server_error: 0.05,
        drop: 0.02,
    };
    let proxy = ws.through_proxy(faults).await.expect("a sandbox to proxy");
    ws.write(&topology(&f, 60));

    let t = Instant::now();
    ws.apply();
    let apply = t.elapsed();
    ws.assert_plan_empty();
    let out = ws.run(&["output", "-json", "ready"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "true",
        "readiness under faults"
    );

    // The runbook's own calls happen inside the sandbox; start it and check it moved the writer.
    assert_eq!(writer_region(&ws).await, "us-east-1", "the writer before");
    let sfn = ws.aws().sfn("us-east-2").await;
    let arn = ws.resource("trdr_failover_orchestrator.trading")["state_machine_arns"]["us-east-2"]
        .as_str()
        .unwrap()
        .to_string();
    let exec = sfn
        .start_execution()
        .state_machine_arn(&arn)
        .input(r#"{"mode":"failover"}"#)
        .send()
        .await
        .unwrap();
    let status = crate::support::eventually(60, "runbook", || {
        let (sfn, e) = (&sfn, exec.execution_arn().to_string());
        async move {
            let d = sfn
                .describe_execution()
                .execution_arn(e)
                .send()
                .await
                .unwrap_or_else(|e| panic!("the runbook's execution: {}", DisplayErrorContext(&e)));
            (d.status().as_str() != "RUNNING").then(|| d.status().as_str().to_string())
        }
    })
    .await;
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(
        writer_region(&ws).await,
        "us-east-2",
        "the runbook moved the writer"
    );

    let t = Instant::now();
    ws.destroy();
    let destroy = t.elapsed();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;

    let stats = proxy.stats();
    eprintln!(
        "flaky AWS: {} calls, {} throttled, {} 5xx, {} dropped; apply {:.1} s, destroy {:.1} s",
        stats.total(),
        stats.throttled,
        stats.server_errors,
        stats.dropped,
        apply.as_secs_f64(),
        destroy.as_secs_f64()
    );
    assert!(
        stats.throttled > 10 && stats.server_errors > 0 && stats.dropped > 0,
        "faults were injected: {stats:?}"
    );
    // The runbooks' alarms went through the faults too: CloudWatch's client (Smithy RPC v2 CBOR)
    // read its injected throttles and 5xx and retried them like the others.
    let by_service = stats.by_service();
    eprintln!("flaky AWS: calls by service {by_service:?}");
    assert!(
        by_service.get("monitoring").is_some_and(|n| *n > 0),
        "CloudWatch calls through the proxy: {by_service:?}"
    );
}
