//! The watched watcher: with `automatic_failover`, each region has CloudWatch alarms on its
//! watcher's shifts and its runbook's failures, notifying that region's topic. A schedule
//! disabled out of band stops the shifts; the sandbox evaluates the "shifts stopped" alarm as
//! CloudWatch does (missing data breaching, after its warm-up, which spares the fresh deploy a
//! page), it goes off, and the next plan's readiness says the last shift is stale. Destroy
//! deletes the alarms.

use serde_json::Value as Json;

use crate::orchestrator::notices;
use crate::support::sandbox::Sandbox;
use crate::support::topology::{fixtures, topology, with_automatic_failover};
use crate::support::{eventually, Workspace};
use crate::workspace;

const REGIONS: [&str; 2] = ["us-east-1", "us-east-2"];

/// The alarms trdr names for this workspace in `region`: (failed shifts, shifts stopped, failed
/// runbook runs).
fn alarm_names(ws: &Workspace, region: &str) -> [String; 3] {
    let watcher = format!("trdr-watcher-{region}-{}", ws.suffix);
    [
        format!("{watcher}-failed-shifts"),
        format!("{watcher}-shifts-stopped"),
        format!("trdr-failover-{region}-{}-failed-runs", ws.suffix),
    ]
}

async fn alarms(ws: &Workspace, region: &str) -> Vec<aws_sdk_cloudwatch::types::MetricAlarm> {
    ws.aws()
        .cloudwatch(region)
        .await
        .describe_alarms()
        .set_alarm_names(Some(alarm_names(ws, region).to_vec()))
        .send()
        .await
        .unwrap()
        .metric_alarms()
        .to_vec()
}

async fn alarm_state(ws: &Workspace, region: &str, name: &str) -> Option<String> {
    alarms(ws, region)
        .await
        .into_iter()
        .find(|a| a.alarm_name() == Some(name))
        .and_then(|a| a.state_value().map(|s| s.as_str().to_string()))
}

/// An EventBridge Scheduler client in `region`, marked as the tests' own in the call log.
async fn scheduler(ws: &Workspace, region: &str) -> aws_sdk_scheduler::Client {
    let mut l = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .app_name(aws_config::AppName::new("trdr-acceptance").expect("a valid app id"));
    if let Some(url) = &ws.endpoint {
        l = l
            .endpoint_url(url)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "test",
                "test",
                None,
                None,
                "acceptance",
            ));
    }
    aws_sdk_scheduler::Client::new(&l.load().await)
}

/// Disables schedule `name` as a person would: `UpdateSchedule` replaces the whole schedule, so
/// every field is sent back with `State = DISABLED`.
async fn disable_schedule(ws: &Workspace, region: &str, name: &str) {
    let c = scheduler(ws, region).await;
    let s = c.get_schedule().name(name).send().await.unwrap();
    c.update_schedule()
        .name(name)
        .schedule_expression(s.schedule_expression().unwrap())
        .set_flexible_time_window(s.flexible_time_window().cloned())
        .set_target(s.target().cloned())
        .set_description(s.description().map(str::to_string))
        .state(aws_sdk_scheduler::types::ScheduleState::Disabled)
        .send()
        .await
        .unwrap();
}

/// The readiness checks of the plan Terraform would make now: the data source is read during the
/// plan, and the plan's JSON carries what it read in `prior_state`.
fn planned_checks(ws: &Workspace) -> Vec<Json> {
    let out = ws.run(&["plan", "-input=false", "-out=watched.tfplan"]);
    assert!(
        out.status.success(),
        "plan: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let show = ws.run(&["show", "-json", "watched.tfplan"]);
    let plan: Json = serde_json::from_slice(&show.stdout).unwrap();
    plan["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|r| r["address"] == "data.trdr_failover_readiness.trading")
        })
        .and_then(|r| r["values"]["checks"].as_array().cloned())
        .unwrap_or_else(|| panic!("the plan read no readiness checks: {plan}"))
}

fn check<'a>(checks: &'a [Json], name: &str) -> &'a Json {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {checks:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_schedule_raises_the_stopped_alarm_and_readiness_says_the_last_shift_is_stale() {
    let ws = workspace!("watched");
    // On a real account the alarm's periods are real minutes; the sandbox plays them faster.
    if Sandbox::at(ws.endpoint.as_deref()).is_none() {
        return;
    }
    let f = fixtures(&ws).await;
    // Readiness names the orchestrator by its id, not by reference: a plan that repairs the
    // orchestrator (the disabled schedule is drift) then still reads readiness, as a separate
    // monitoring configuration would.
    let config = with_automatic_failover(&topology(&f, 300), "    failure_window_seconds = 30")
        .replace(
            "orchestrator_id    = trdr_failover_orchestrator.trading.id",
            "orchestrator_id    = \"trdr:SUFFIX\"",
        );
    assert!(config.contains("\"trdr:SUFFIX\""), "{config}");
    ws.write(&config);
    ws.apply();

    // Three alarms in each region, on Step Functions' metrics, notifying that region's topic,
    // tagged like the other objects.
    for region in REGIONS {
        let found = alarms(&ws, region).await;
        let [failed, stopped, runs] = alarm_names(&ws, region);
        assert_eq!(found.len(), 3, "{region}: {found:?}");
        let cw = ws.aws().cloudwatch(region).await;
        for a in &found {
            assert_eq!(a.namespace(), Some("AWS/States"), "{a:?}");
            assert_eq!(
                a.alarm_actions(),
                [format!(
                    "arn:aws:sns:{region}:000000000000:{}",
                    f.topic_name
                )],
                "{a:?}"
            );
            let tags = cw
                .list_tags_for_resource()
                .resource_arn(a.alarm_arn().unwrap())
                .send()
                .await
                .unwrap();
            assert!(
                tags.tags()
                    .iter()
                    .any(|t| t.key() == Some("ManagedBy") && t.value() == Some("trdr")),
                "{a:?}: {tags:?}"
            );
        }
        let by_name = |n: &str| found.iter().find(|a| a.alarm_name() == Some(n)).unwrap();
        let stopped = by_name(&stopped);
        assert_eq!(stopped.metric_name(), Some("ExecutionsStarted"));
        assert_eq!(stopped.treat_missing_data(), Some("breaching"));
        // A new watcher has published nothing yet: the alarm warms up instead of paging.
        assert_eq!(
            stopped
                .warm_up_configuration()
                .and_then(|w| w.warm_up_period_duration_in_minutes()),
            Some(10),
            "{stopped:?}"
        );
        assert_eq!(by_name(&failed).metric_name(), Some("ExecutionsFailed"));
        let watcher = ws.resource("trdr_failover_orchestrator.trading")["watcher_arns"][region]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(stopped.dimensions()[0].value(), Some(watcher.as_str()));
        assert_eq!(by_name(&runs).metric_name(), Some("ExecutionsFailed"));
    }

    // While the shifts run, the us-east-2 watcher is not reported stopped, and readiness sees a
    // recent shift.
    let stopped = alarm_names(&ws, "us-east-2")[1].clone();
    eventually(60, "the shifts-stopped alarm to be OK", || async {
        (alarm_state(&ws, "us-east-2", &stopped).await.as_deref() == Some("OK")).then_some(())
    })
    .await;
    let checks = planned_checks(&ws);
    let last = check(&checks, "last watcher shift (us-east-2)");
    assert_eq!(last["status"], "pass", "{last}");
    // The fresh deploy paged nobody: the alarm went from INSUFFICIENT_DATA to OK, never to ALARM.
    for region in REGIONS {
        let stopped = alarm_names(&ws, region)[1].clone();
        let paged: Vec<Json> = notices(&ws.aws(), &f, region)
            .await
            .into_iter()
            .filter(|m| m["AlarmName"] == stopped.as_str())
            .collect();
        assert!(
            paged.iter().all(|m| m["NewStateValue"] != "ALARM"),
            "{region}: {paged:?}"
        );
    }

    // Someone disables the schedule in the console.
    let schedule = format!("trdr-watcher-us-east-2-{}", ws.suffix);
    disable_schedule(&ws, "us-east-2", &schedule).await;
    eventually(60, "the shifts-stopped alarm to go off", || async {
        (alarm_state(&ws, "us-east-2", &stopped).await.as_deref() == Some("ALARM")).then_some(())
    })
    .await;
    // The alarm notified the region's topic.
    let notice = eventually(30, "the alarm's notice on the us-east-2 topic", || async {
        notices(&ws.aws(), &f, "us-east-2")
            .await
            .into_iter()
            .find(|m| m["AlarmName"] == stopped.as_str() && m["NewStateValue"] == "ALARM")
    })
    .await;
    assert_eq!(notice["Region"], "us-east-2", "{notice}");
    // us-east-1's watcher still runs: its alarm stays quiet.
    let east1 = alarm_names(&ws, "us-east-1")[1].clone();
    assert_eq!(
        alarm_state(&ws, "us-east-1", &east1).await.as_deref(),
        Some("OK")
    );

    // The next plan's readiness says the last shift is stale.
    let checks = planned_checks(&ws);
    let last = check(&checks, "last watcher shift (us-east-2)");
    assert_eq!(last["status"], "warn", "{last}");
    assert!(
        last["detail"].as_str().unwrap().contains("not watching"),
        "{last}"
    );
    assert_eq!(
        check(&checks, "last watcher shift (us-east-1)")["status"],
        "pass"
    );

    ws.destroy();
    for region in REGIONS {
        assert!(alarms(&ws, region).await.is_empty(), "{region}");
    }
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}
