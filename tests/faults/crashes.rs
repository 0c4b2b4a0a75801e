//! The crash matrix: terraform and the provider killed together (SIGKILL to the process group) at
//! evenly spaced moments of a full apply and of a full destroy. Each time the next run must
//! converge with no duplicate and no orphan.

use std::time::{Duration, Instant};

use crate::support::topology::{fixtures, topology};
use crate::support::Workspace;
use crate::workspace;

/// Counts of everything the topology owns, to find duplicates and orphans.
async fn inventory(ws: &Workspace) -> Vec<(String, usize)> {
    let aws = ws.aws();
    let s = &ws.suffix;
    let mut inv = vec![
        ("buckets".to_string(), aws.buckets_with(s).await.len()),
        ("tables".to_string(), aws.tables_with(s).await.len()),
    ];
    for region in ["us-east-1", "us-east-2"] {
        inv.push((
            format!("clusters {region}"),
            aws.clusters_with(s, region).await.len(),
        ));
        inv.push((
            format!("instances {region}"),
            aws.instances_with(s, region).await.len(),
        ));
        inv.push((
            format!("runbooks {region}"),
            aws.runbooks_with(s, region).await.len(),
        ));
    }
    let globals = aws
        .rds("us-east-1")
        .await
        .describe_global_clusters()
        .send()
        .await
        .unwrap();
    inv.push((
        "global clusters".into(),
        globals
            .global_clusters()
            .iter()
            .filter(|g| {
                g.global_cluster_identifier()
                    .unwrap_or_default()
                    .contains(s.as_str())
            })
            .count(),
    ));
    inv.push((
        "health checks".into(),
        aws.health_checks_with(s).await.len(),
    ));
    inv
}

fn expected_full() -> Vec<(String, usize)> {
    let mut v = vec![("buckets".to_string(), 4), ("tables".to_string(), 2)];
    for region in ["us-east-1", "us-east-2"] {
        v.push((format!("clusters {region}"), 1));
        v.push((format!("instances {region}"), 1));
        v.push((format!("runbooks {region}"), 1));
    }
    v.push(("global clusters".into(), 1));
    v.push(("health checks".into(), 2));
    v
}

fn moments(total: Duration) -> Vec<Duration> {
    let picks: Vec<u32> = if crate::full() {
        (1..=10).collect()
    } else {
        vec![3, 8]
    };
    picks.into_iter().map(|i| total * i / 11).collect()
}

/// Runs `args` and kills it after `after`; true when it was still running then.
async fn kill_after(ws: &Workspace, args: &[&str], after: Duration) -> bool {
    ws.interrupt(args, after, || async { false }, || async { true })
        .await
}

/// What the killed run left in the state file, for the failure messages: Terraform rewrites the
/// local state in place, so a kill during a write can leave it empty.
fn state_file(ws: &Workspace) -> String {
    let path = ws.path().join("terraform.tfstate");
    match std::fs::read_to_string(&path) {
        Err(e) => format!("state file unreadable: {e}"),
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => format!(
                "state file with {} resources",
                v["resources"].as_array().map_or(0, Vec::len)
            ),
            Err(_) => format!("state file of {} bytes, not JSON", text.len()),
        },
    }
}

/// The apply after a kill. Terraform (1.5+) saves its state during an apply at most every 20 s
/// (and at once on SIGINT, not on SIGKILL), so a kill within that time after trdr finished a
/// create leaves an object the state does not record; trdr then refuses to take it over ("made
/// by a create that finished") and gives the import command, which is the recovery a user
/// follows: run it, then apply. Any other failure fails the test.
fn apply_after_kill(ws: &Workspace, after_kill: &str) {
    for _ in 0..4 {
        let out = ws.run(&["apply", "-auto-approve", "-input=false"]);
        if out.status.success() {
            return;
        }
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let unwrapped = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            unwrapped.contains("was made by a create that finished"),
            "the apply after a kill ({after_kill}) failed otherwise:\n{text}"
        );
        let address = text
            .lines()
            .skip_while(|l| !(l.starts_with("Error:") && l.ends_with("already exists")))
            .find_map(|l| l.trim().strip_prefix("with ")?.strip_suffix(','))
            .unwrap_or_else(|| panic!("no resource address in:\n{text}"))
            .to_string();
        let id = unwrapped
            .split("terraform import <resource address> ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no import id in:\n{text}"))
            .to_string();
        assert!(
            !ws.state_addresses().contains(&address),
            "{address} is in the state, yet its create was refused:\n{text}"
        );
        eprintln!(
            "crash matrix: {address} was created but not saved before the kill; importing {id}"
        );
        ws.import(&address, &id);
    }
    panic!("the apply after a kill ({after_kill}) still refuses after four imports");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_apply_and_destroy_at_many_moments_converge() {
    let mut ws = workspace!("crashm");
    if ws.endpoint.is_none() {
        crate::support::skip("the crash matrix runs through a proxy in front of the sandbox");
        return;
    }
    let f = fixtures(&ws).await;
    // Latency stretches the run so the moments fall inside real work.
    let _proxy = ws.through_latency(Duration::from_millis(30)).await;
    ws.write(&topology(&f, 60));

    let t = Instant::now();
    ws.apply();
    let apply_time = t.elapsed();
    // The recovery a kill inside Terraform's persist interval needs, every run: a created stack the
    // state does not record is refused, imported as the refusal says, and the apply converges.
    ws.state_rm(&["trdr_regional_stack.secondary"]);
    apply_after_kill(&ws, "the secondary stack removed from the state");
    ws.assert_plan_empty();
    let t = Instant::now();
    ws.destroy();
    let destroy_time = t.elapsed();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
    eprintln!(
        "crash matrix: full apply {:.1} s, full destroy {:.1} s",
        apply_time.as_secs_f64(),
        destroy_time.as_secs_f64()
    );

    let apply = ["apply", "-auto-approve", "-input=false"];
    let destroy = ["destroy", "-auto-approve", "-input=false"];
    let mut killed = 0;
    for at in moments(apply_time) {
        killed += kill_after(&ws, &apply, at).await as usize;
        let after_kill = state_file(&ws);
        apply_after_kill(&ws, &after_kill);
        ws.assert_plan_empty();
        assert_eq!(
            inventory(&ws).await,
            expected_full(),
            "after a kill at {at:?} of the apply ({after_kill}): no duplicate, nothing missing"
        );
        ws.destroy();
        ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
    }
    for at in moments(destroy_time) {
        ws.apply();
        killed += kill_after(&ws, &destroy, at).await as usize;
        let after_kill = state_file(&ws);
        ws.destroy();
        if let Some(left) = ws
            .aws()
            .what_is_left(&ws.suffix, &[ws.regions.0, ws.regions.1])
            .await
        {
            panic!("after a kill at {at:?} of the destroy ({after_kill}): {left}");
        }
    }
    eprintln!("crash matrix: {killed} runs killed mid-way, all converged");
    assert!(
        killed >= moments(apply_time).len(),
        "most kills must land mid-run: {killed}"
    );
}
