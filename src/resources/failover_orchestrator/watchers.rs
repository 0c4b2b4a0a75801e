//! The watchers of `automatic_failover`: in each region a Step Functions state machine (see
//! `runbook::watcher`), the EventBridge connection its HTTP probes go through, and the
//! EventBridge Scheduler schedule that starts a shift every minute. Deployed, compared, read
//! back and removed here, together.

use std::collections::BTreeMap;
use std::time::Duration;

use super::desired::{tag_fields, tags_for, Resolved};
use super::model::{Automatic, Orchestrator};
use super::runbook::watcher;
use super::schema::*;
use super::state_machine::ensure_state_machine;
use crate::aws::errors::{AwsError, OptionalExt};
use crate::aws::{events, scheduler, sfn};
use crate::framework::Value;
use crate::naming::Naming;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::waiter;

/// The watcher of `region`, described by the ARN its name gives.
pub async fn find(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    account: Option<&str>,
) -> Result<Option<sfn::Deployed>, AwsError> {
    sfn::locate(&cfg.region(region).sfn, account, &o.naming.watcher(region)).await
}

/// Whether the configuration asks for the watchers to be paused (`Some(true)`) or watching
/// (`Some(false)`), or leaves the pause to the operations that set it (`None`: `trdr_pause`,
/// `trdr_resume`, the AWS CLI). Pausing is an operation: an apply changes the pause tag only when
/// asked, so a colleague's unrelated apply never re-arms a watcher paused during an incident.
pub fn pause_asked(a: &Automatic) -> Option<bool> {
    a.paused
}

/// Who paused a watcher, why and when: set with the pause, removed when it resumes.
pub const PAUSE_DETAIL_TAGS: [&str; 3] = [
    watcher::PAUSED_BY_TAG,
    watcher::PAUSE_REASON_TAG,
    watcher::PAUSED_AT_TAG,
];

/// The watcher's settings as a tag value (import reads them back): `key=value` pairs, 0 for unset.
pub const WATCH_POLICY_TAG: &str = "TrdrWatchPolicy";

pub fn watch_policy_tag(a: &Automatic) -> String {
    let p = &a.policy;
    format!(
        "interval={} timeout={} window={} approval={} proceed={} failback={}",
        p.probe_interval_seconds,
        p.probe_timeout_seconds,
        p.failure_window_seconds,
        p.approval.map_or(0, |x| x.timeout_seconds),
        u8::from(p.approval.is_none_or(|x| x.proceed_on_timeout)),
        p.failback_window_seconds.unwrap_or(0)
    )
}

/// How long EventBridge may take to authorize a new connection (API-key connections are
/// authorized within seconds).
const CONNECTION_AUTHORIZATION: Duration = Duration::from_secs(120);

/// The region's probe connection, authorized: its ARN.
async fn ensure_connection(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
) -> Result<String, Failure> {
    let c = &cfg.region(region).events;
    let name = o.naming.probe_connection(region);
    if events::describe(c, &name).await?.is_none() {
        events::create(
            c,
            &name,
            &format!("trdr {}: the failover watcher's health probes", o.id()),
        )
        .await?;
    }
    let what = format!("EventBridge connection {name} in {region} to be authorized");
    let conn = waiter::wait_for(
        &what,
        CONNECTION_AUTHORIZATION,
        waiter::Backoff::default(),
        || async {
            Ok::<_, AwsError>(match events::describe(c, &name).await? {
                Some(conn) if conn.authorized() => waiter::Poll::Ready(conn),
                Some(conn) if conn.failed() => waiter::Poll::Failed(format!(
                    "it is {}",
                    conn.state.clone().unwrap_or_default()
                )),
                Some(conn) => {
                    waiter::Poll::Pending(conn.state.unwrap_or_else(|| "no state yet".into()))
                }
                None => waiter::Poll::Pending("not listed yet".into()),
            })
        },
    )
    .await?;
    Ok(conn.arn)
}

fn schedule_spec(
    o: &Orchestrator,
    a: &Automatic,
    region: &str,
    watcher_arn: &str,
) -> scheduler::ScheduleSpec {
    scheduler::ScheduleSpec {
        name: o.naming.watcher(region),
        expression: "rate(1 minute)".into(),
        target_arn: watcher_arn.to_string(),
        role_arn: a.schedule_role_arn.clone(),
        input: "{}".into(),
        enabled: true,
        description: format!(
            "trdr {}: starts the failover watcher's shift every minute",
            o.id()
        ),
    }
}

/// The watcher of `region`, its schedule and connection (see `runbook::watcher`): the connection
/// first (the watcher's HTTP Tasks name it), the schedule last (it names the watcher).
#[allow(clippy::too_many_arguments)]
pub async fn ensure(
    cfg: &Configured,
    o: &Orchestrator,
    a: &Automatic,
    region: &str,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
    runbook_arn: &str,
    timeout: Duration,
) -> Result<String, Failure> {
    let connection = ensure_connection(cfg, o, region).await?;
    let member = resolved
        .member_arns
        .get(region)
        .cloned()
        .unwrap_or_default();
    let spec = o.watcher_spec(a, region, &member, runbook_arn, &connection, hcs);
    let definition = watcher::definition(&spec);
    let mut tags = tags_for(cfg, o, region);
    let asked = pause_asked(a);
    if let Some(paused) = asked {
        tags.insert(
            watcher::PAUSE_TAG.into(),
            if paused {
                watcher::PAUSED
            } else {
                watcher::WATCHING
            }
            .into(),
        );
    }
    tags.insert(WATCH_POLICY_TAG.into(), watch_policy_tag(a));
    let name = o.naming.watcher(region);
    let arn = ensure_state_machine(cfg, o, region, &name, &definition, &tags, timeout).await?;
    if asked == Some(false) {
        // Unpaused by configuration, as `trdr_resume` does: who paused and why no longer hold.
        sfn::untag(&cfg.region(region).sfn, &arn, &PAUSE_DETAIL_TAGS).await?;
    }
    let c = &cfg.region(region).scheduler;
    let want = schedule_spec(o, a, region, &arn);
    match scheduler::get(c, &want.name).await? {
        None => scheduler::create(c, &want).await?,
        Some(have) if have != want => scheduler::update(c, &want).await?,
        Some(_) => {}
    }
    Ok(arn)
}

/// Removes what `automatic_failover` deployed in `region`: the schedule first, so no shift
/// starts meanwhile, then the watcher and its connection.
pub async fn remove(cfg: &Configured, o: &Orchestrator, region: &str) -> Result<(), Failure> {
    let rc = cfg.region(region);
    let name = o.naming.watcher(region);
    scheduler::delete(&rc.scheduler, &name).await?;
    let account = cfg.account().await;
    if let Some(arn) = sfn::address(&rc.sfn, account.as_deref(), &name).await? {
        sfn::delete(&rc.sfn, &arn).await?;
    }
    events::delete(&rc.events, &o.naming.probe_connection(region)).await?;
    Ok(())
}

/// Each region's watcher, its schedule and connection: missing or changed ones are drift; the
/// pause tag is returned (paused when either region's is), for `automatic_failover.paused` when
/// the configuration sets it ([`pause_asked`]).
#[allow(clippy::too_many_arguments)]
pub async fn observe(
    cfg: &Configured,
    o: &Orchestrator,
    a: &Automatic,
    runbook_arns: &BTreeMap<String, String>,
    watchers: &BTreeMap<String, sfn::Deployed>,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
    drift: &mut Vec<String>,
) -> Result<bool, AwsError> {
    let mut paused = false;
    for e in o.regions() {
        let rc = cfg.region(&e.region);
        let name = o.naming.watcher(&e.region);
        let connection =
            events::describe(&rc.events, &o.naming.probe_connection(&e.region)).await?;
        if connection.is_none() {
            drift.push(format!(
                "the watcher's connection {} is missing in {}",
                o.naming.probe_connection(&e.region),
                e.region
            ));
        }
        let Some(d) = watchers.get(&e.region) else {
            drift.push(format!("watcher {name} is missing in {}", e.region));
            continue;
        };
        let arn = &d.arn;
        let tags = sfn::tags(&rc.sfn, arn).await?;
        paused |= tags.get(watcher::PAUSE_TAG).map(String::as_str) == Some(watcher::PAUSED);
        if let (Some(conn), Some(runbook), Some(member)) = (
            connection.as_ref(),
            runbook_arns.get(&e.region),
            resolved.member_arns.get(&e.region),
        ) {
            let deployed: serde_json::Value =
                serde_json::from_str(&d.definition).unwrap_or_default();
            let spec = o.watcher_spec(a, &e.region, member, runbook, &conn.arn, hcs);
            if deployed != watcher::definition(&spec) {
                drift.push(format!(
                    "watcher {name} differs from the generated definition"
                ));
            }
        }
        match scheduler::get(&rc.scheduler, &name).await? {
            None => drift.push(format!("the schedule {name} that starts the watcher is missing in {}", e.region)),
            Some(s) if !s.enabled => drift.push(format!("the schedule {name} is disabled: no watcher shift starts in {} (pause with the TrdrWatch tag instead)", e.region)),
            Some(s) if s.target_arn != *arn || s.role_arn != a.schedule_role_arn => {
                drift.push(format!("the schedule {name} does not start the watcher as configured"))
            }
            Some(_) => {}
        }
    }
    Ok(paused)
}

/// The `automatic_failover` (and `automatic_failback`) blocks of an imported orchestrator, from
/// its primary region's watcher: its policy tag, its pause tag and its schedule's role.
pub async fn discover(
    cfg: &Configured,
    naming: &Naming,
    region: &str,
    role: &str,
    v: &mut Value,
) -> Result<(), AwsError> {
    let rc = cfg.region(region);
    let name = naming.watcher(region);
    let account = cfg.account().await;
    let Some(arn) = sfn::address(&rc.sfn, account.as_deref(), &name).await? else {
        return Ok(());
    };
    let Some(tags) = sfn::tags(&rc.sfn, &arn).await.found()? else {
        return Ok(());
    };
    let f = tag_fields(tags.get(WATCH_POLICY_TAG).map_or("", String::as_str));
    let field = |k: &str| f.get(k).map(|x| *x as i64).filter(|x| *x > 0);
    let mut a = Value::object();
    for (attr, key) in [
        (&PROBE_INTERVAL_SECONDS, "interval"),
        (&PROBE_TIMEOUT_SECONDS, "timeout"),
        (&FAILURE_WINDOW_SECONDS, "window"),
    ] {
        attr.put(&mut a, field(key).or(attr.default_value()));
    }
    // The pause is not configuration: an imported block leaves `paused` unset, whatever the
    // pause tag, which stays as it is.
    PAUSED.put(&mut a, PAUSED.default_value());
    // The modes are in the deployed definition (the watcher reads them back the same way).
    let modes = match sfn::describe(&rc.sfn, &arn).await? {
        Some(d) => serde_json::from_str(&d.definition)
            .ok()
            .and_then(|j| watcher::modes_of(&j))
            .unwrap_or_default(),
        None => watcher::Modes::default(),
    };
    FAILOVER_MODE.put(&mut a, modes.failover.as_str());
    if let Some(t) = field("approval") {
        APPROVAL_TIMEOUT_SECONDS.put(&mut a, t);
        let proceed = f.get("proceed").copied().unwrap_or(1.0) > 0.0;
        APPROVAL_ON_TIMEOUT.put(&mut a, if proceed { "proceed" } else { "abandon" });
    } else {
        APPROVAL_ON_TIMEOUT.put(&mut a, APPROVAL_ON_TIMEOUT.default_value());
    }
    if let Some(s) = scheduler::get(&rc.scheduler, &name).await? {
        if s.role_arn != role {
            SCHEDULE_ROLE_ARN.put(&mut a, s.role_arn);
        }
    }
    AUTOMATIC_FAILOVER.put(v, a);
    if let Some(w) = field("failback") {
        let mut b = Value::object();
        HEALTHY_WINDOW_SECONDS.put(&mut b, w);
        FAILBACK_MODE.put(&mut b, modes.failback.as_str());
        AUTOMATIC_FAILBACK.put(v, b);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::failover_orchestrator::desired::tests::sfn_tag_value_ok;
    use watcher::{Approval, Policy};

    fn automatic(approval: Option<Approval>, failback: Option<u32>) -> Automatic {
        Automatic {
            policy: Policy {
                probe_interval_seconds: 10,
                probe_timeout_seconds: 5,
                failure_window_seconds: 60,
                approval,
                failback_window_seconds: failback,
            },
            paused: None,
            schedule_role_arn: "arn:aws:iam::123456789012:role/scheduler".into(),
        }
    }

    /// Import rebuilds `automatic_failover` from this tag: every setting must read back, and the
    /// value must be one Step Functions accepts.
    #[test]
    fn the_watch_policy_tag_reads_back_and_is_a_legal_tag_value() {
        let approved = Some(Approval {
            timeout_seconds: 900,
            proceed_on_timeout: false,
        });
        let t = watch_policy_tag(&automatic(approved, Some(600)));
        assert!(sfn_tag_value_ok(&t), "{t}");
        let f = tag_fields(&t);
        for (key, want) in [
            ("interval", 10.0),
            ("timeout", 5.0),
            ("window", 60.0),
            ("approval", 900.0),
            ("proceed", 0.0),
            ("failback", 600.0),
        ] {
            assert_eq!(f.get(key), Some(&want), "{key} in {t}");
        }
        // Unset settings read back as 0, which import takes for "not set".
        let f = tag_fields(&watch_policy_tag(&automatic(None, None)));
        assert_eq!(
            (f["approval"], f["proceed"], f["failback"]),
            (0.0, 1.0, 0.0)
        );
    }
}
