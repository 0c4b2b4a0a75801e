//! Create, update and delete: health checks first (both regions in parallel), then the record
//! pair (one atomic batch, `PRIMARY` on the database's current writer) and the runbook in each
//! region, then superseded health checks are retired.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_route53::types::ChangeAction;
use futures::FutureExt;

use super::runbook::watcher;
use super::runbook::{self, PRIMARY_SET_ID, SECONDARY_SET_ID};
use super::schema::{DNS, EXECUTION_ROLE_ARN, GLOBAL_DATABASE_ID, ZONE_ID};
use super::{Automatic, Orchestrator};
use crate::aws::errors::{AwsError, ErrorKind, OptionalExt};
use crate::aws::route53::{self, FailoverRecord, HealthCheckSpec};
use crate::aws::{events, rds, scheduler, sfn};
use crate::framework::Diagnostics;
use crate::ownership::{self, Anchor, Marker};
use crate::provider::Configured;
use crate::steps::{self, Failure, Step};
use crate::tags::{self, Tags, AUTOMATIC_FAILOVER_TAG};
use crate::waiter::{self, WaitError};

/// What the database looks like now.
pub struct Resolved {
    pub member_arns: BTreeMap<String, String>,
    pub writer: Option<String>,
}

pub async fn resolve(cfg: &Configured, o: &Orchestrator) -> Result<Option<Resolved>, AwsError> {
    let Some(g) = rds::global(&cfg.region(&o.primary.region).rds, &o.global_id).await? else {
        return Ok(None);
    };
    let member_arns = o
        .regions()
        .iter()
        .filter_map(|e| rds::member_in(&g, &e.region).map(|a| (e.region.clone(), a)))
        .collect();
    Ok(Some(Resolved {
        member_arns,
        writer: rds::writer_region(&g),
    }))
}

/// Tag with the health check settings an apply set: a refresh reports the check that departs
/// from them (the one block configures both regions' checks).
pub const HEALTH_CHECK_TAG: &str = "TrdrHealthCheck";

pub fn tags_for(cfg: &Configured, o: &Orchestrator, region: &str) -> Tags {
    let mut t = tags::standard(&cfg.config.default_tags, &o.naming.suffix, region);
    t.insert("TrdrOrchestrator".into(), o.id());
    t.insert("TrdrRtoTarget".into(), o.rto_target.to_string());
    t.insert("TrdrRunbook".into(), runbook_tag(&o.tuning));
    t.insert(
        HEALTH_CHECK_TAG.into(),
        format!("interval={} threshold={}", o.interval, o.threshold),
    );
    let b = o.budget();
    t.insert(
        "TrdrRto".into(),
        format!("detection={} ttl={}", b.detection, b.ttl),
    );
    if !o.stack_ids.is_empty() {
        t.insert(
            "TrdrStacks".into(),
            o.stack_ids
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    t
}

/// The record pair as it should be with `writer` writing.
/// The runbook's bounds as a tag value. Step Functions tag values allow letters, digits, white
/// space and `_ . : / = + - @` only (no commas).
pub fn runbook_tag(t: &runbook::Tuning) -> String {
    format!(
        "interval={} promotion={} task={} retries={}",
        t.poll_interval_seconds,
        t.promotion_timeout_seconds,
        t.task_timeout_seconds,
        t.task_retries
    )
}

pub fn desired_records(
    o: &Orchestrator,
    writer: &str,
    hcs: &BTreeMap<String, String>,
) -> Vec<FailoverRecord> {
    let (w, other) = (o.endpoint(writer), o.other(writer));
    vec![
        FailoverRecord {
            set_identifier: PRIMARY_SET_ID.into(),
            primary: true,
            target: w.fqdn.clone(),
            health_check_id: hcs.get(&w.region).cloned(),
            ttl: o.ttl as i64,
        },
        FailoverRecord {
            set_identifier: SECONDARY_SET_ID.into(),
            primary: false,
            target: other.fqdn.clone(),
            health_check_id: hcs.get(&other.region).cloned(),
            ttl: o.ttl as i64,
        },
    ]
}

fn sorted(mut r: Vec<FailoverRecord>) -> Vec<FailoverRecord> {
    r.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
    r
}

/// Our health check for `region` with the configured interval: `(id, superseded ids)`.
async fn ensure_health_check(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    recorded: Option<&str>,
) -> Result<(String, Vec<String>), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    let e = o.endpoint(region);
    let prefix = o.health_check_prefix(region);
    // The check the prior state recorded, read by its id; the account's checks are listed only
    // without one (a create, which may continue an interrupted one) or when a new check is due
    // (an interval change, which an earlier attempt may have made already).
    let right_interval = |h: &aws_sdk_route53::types::HealthCheck| {
        h.health_check_config().and_then(|c| c.request_interval()) == Some(o.interval)
    };
    let mut existing = route53::ours(c, &prefix, recorded).await?;
    if recorded.is_some() && !existing.iter().any(right_interval) {
        existing = route53::ours(c, &prefix, None).await?;
    }
    let (keep, old): (Vec<_>, Vec<_>) = existing.into_iter().partition(right_interval);
    let tags = tags_for(cfg, o, region);
    let id = match keep.first() {
        Some(h) => {
            let conf = h.health_check_config();
            let same = conf.and_then(|c| c.fully_qualified_domain_name()) == Some(e.fqdn.as_str())
                && conf.and_then(|c| c.resource_path()) == Some(e.health_path.as_str())
                && conf.and_then(|c| c.failure_threshold()) == Some(o.threshold);
            if !same {
                route53::update_health_check(c, h.id(), &e.fqdn, &e.health_path, o.threshold)
                    .await?;
            }
            h.id().to_string()
        }
        None => {
            let reference = format!("{prefix}{:08x}", rand::random::<u32>());
            let spec = HealthCheckSpec {
                caller_reference: &reference,
                fqdn: &e.fqdn,
                path: &e.health_path,
                interval: o.interval,
                threshold: o.threshold,
            };
            route53::create_health_check(c, &spec, &tags).await?
        }
    };
    let superseded = old
        .iter()
        .map(|h| h.id().to_string())
        .chain(keep.iter().skip(1).map(|h| h.id().to_string()))
        .collect();
    Ok((id, superseded))
}

async fn ensure_records(
    cfg: &Configured,
    o: &Orchestrator,
    writer: &str,
    hcs: &BTreeMap<String, String>,
) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    let zone = o.zone_id.trim_start_matches("/hostedzone/");
    let desired = desired_records(o, writer, hcs);
    let current =
        route53::failover_records(c, zone, &o.record_name, &[PRIMARY_SET_ID, SECONDARY_SET_ID])
            .await
            .map_err(|e| Failure::from(e).about(ZONE_ID.under(&DNS.path())))?;
    if sorted(current) != sorted(desired.clone()) {
        route53::change(
            c,
            zone,
            &o.record_name,
            ChangeAction::Upsert,
            &desired,
            &format!("trdr {}: PRIMARY on {writer}", o.id()),
        )
        .await
        .map_err(|e| Failure::from(e).about(DNS.path()))?;
    }
    Ok(())
}

/// The definition for `region` as it should be deployed now.
pub fn rendered(
    o: &Orchestrator,
    region: &str,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
) -> serde_json::Value {
    let other = &o.other(region).region;
    let arn = resolved
        .member_arns
        .get(region)
        .cloned()
        .unwrap_or_default();
    let spec = o.spec(
        region,
        &arn,
        hcs.get(region).map(String::as_str).unwrap_or_default(),
        hcs.get(other).map(String::as_str).unwrap_or_default(),
    );
    runbook::definition(&spec)
}

/// How long a new role may take to become assumable (IAM is eventually consistent; the
/// `hashicorp/aws` provider waits as long).
const IAM_PROPAGATION: Duration = Duration::from_secs(120);

async fn ensure_runbook(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
    marker: Option<&Marker>,
    timeout: Duration,
) -> Result<String, Failure> {
    let definition = rendered(o, region, resolved, hcs);
    let mut tags = tags_for(cfg, o, region);
    tags.extend(marker.map(Marker::tags).unwrap_or_default());
    let name = o.naming.state_machine(region);
    ensure_state_machine(cfg, o, region, &name, &definition, &tags, timeout).await
}

/// Creates or updates state machine `name` in `region` with `definition`, run as the execution
/// role, after checking the definition ourselves and with `ValidateStateMachineDefinition`.
async fn ensure_state_machine(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    name: &str,
    definition: &serde_json::Value,
    tags: &Tags,
    timeout: Duration,
) -> Result<String, Failure> {
    let c = &cfg.region(region).sfn;
    let problems = runbook::structural_problems(definition);
    if !problems.is_empty() {
        return Err(Failure::found(format!(
            "provider bug: the generated state machine {name} is malformed: {}",
            problems.join("; ")
        )));
    }
    let text = definition.to_string();
    let account = cfg.account().await;
    let deployed = sfn::locate(c, account.as_deref(), name).await?;
    if let Some(d) = &deployed {
        let same = serde_json::from_str::<serde_json::Value>(&d.definition)
            .ok()
            .as_ref()
            == Some(definition)
            && d.role_arn == o.role_arn;
        if same && tags::contains_all(&sfn::tags(c, &d.arn).await?, tags) {
            // Nothing to change: no validation, no write.
            return Ok(d.arn.clone());
        }
    }
    // A definition about to be written is checked first, so a rejection names what is wrong.
    let errors = sfn::validate(c, &text).await?;
    if !errors.is_empty() {
        return Err(Failure::found(format!(
            "ValidateStateMachineDefinition rejected {name} in {region}: {}",
            errors.join("; ")
        )));
    }
    let on_role = |e: WaitError| Failure::from(e).about(EXECUTION_ROLE_ARN.path());
    // IAM is eventually consistent: a role made moments ago (often in the same apply) cannot be
    // assumed yet, and Step Functions answers AccessDeniedException until it can.
    let propagating = |e: &AwsError| e.is(ErrorKind::AccessDenied);
    let role_wait = timeout.min(IAM_PROPAGATION);
    let role_what = format!("Step Functions to assume {} (IAM propagation)", o.role_arn);
    Ok(match deployed {
        None => waiter::retry_while(&role_what, role_wait, propagating, || {
            sfn::create(c, name, &text, &o.role_arn, tags)
        })
        .await
        .map_err(on_role)?,
        Some(d) => {
            waiter::retry_while(&role_what, role_wait, propagating, || {
                sfn::update(c, &d.arn, &text, &o.role_arn, tags)
            })
            .await
            .map_err(on_role)?;
            d.arn
        }
    })
}

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

/// The watcher of `region`, its schedule and connection (see `runbook::watcher`).
#[allow(clippy::too_many_arguments)]
async fn ensure_watcher(
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
    tags.insert(
        watcher::PAUSE_TAG.into(),
        if a.paused {
            watcher::PAUSED
        } else {
            watcher::WATCHING
        }
        .into(),
    );
    tags.insert(WATCH_POLICY_TAG.into(), watch_policy_tag(a));
    let name = o.naming.watcher(region);
    let arn = ensure_state_machine(cfg, o, region, &name, &definition, &tags, timeout).await?;
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
async fn remove_watcher(cfg: &Configured, o: &Orchestrator, region: &str) -> Result<(), Failure> {
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

/// Marks (or unmarks) the global cluster as failed over automatically by this orchestrator.
async fn mark_database(cfg: &Configured, o: &Orchestrator, on: bool) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).rds;
    let Some(g) = rds::global(c, &o.global_id).await? else {
        return Ok(());
    };
    let Some(arn) = g.global_cluster_arn() else {
        return Ok(());
    };
    let tags = rds::global_tags(&g);
    let mine = tags.get(AUTOMATIC_FAILOVER_TAG) == Some(&o.id());
    if on && !mine {
        rds::tag(
            c,
            arn,
            &Tags::from([(AUTOMATIC_FAILOVER_TAG.to_string(), o.id())]),
        )
        .await?;
    } else if !on && mine {
        rds::untag(c, arn, &[AUTOMATIC_FAILOVER_TAG]).await?;
    }
    Ok(())
}

/// On create, `marker` goes on the anchor, the primary region's runbook (see `crate::ownership`).
pub async fn converge(
    cfg: &Configured,
    o: &Orchestrator,
    prior: Option<&Orchestrator>,
    marker: Option<&Marker>,
    timeout: Duration,
    diags: &mut Diagnostics,
) {
    let resolved = match resolve(cfg, o).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return diags.attr_error(
                &GLOBAL_DATABASE_ID.path(),
                format!(
                    "global database {:?} does not exist in {}.",
                    o.global_id, o.primary.region
                ),
            );
        }
        Err(e) => return e.report(diags, None, "read the global database"),
    };
    for e in o.regions() {
        if !resolved.member_arns.contains_key(&e.region) {
            return diags.attr_error(&GLOBAL_DATABASE_ID.path(), format!("global database {:?} has no member cluster in {}; the runbook there would have nothing to promote.", o.global_id, e.region));
        }
    }
    let writer = resolved
        .writer
        .clone()
        .unwrap_or_else(|| o.primary.region.clone());
    let hcs: Mutex<BTreeMap<String, String>> = Mutex::default();
    let runbook_arns: Mutex<BTreeMap<String, String>> = Mutex::default();
    let watched_before = prior.is_some_and(|p| p.automatic.is_some());
    let superseded: Mutex<Vec<String>> = Mutex::default();
    let (p, s) = (o.primary.region.as_str(), o.secondary.region.as_str());
    let (hp, hs) = (format!("health check {p}"), format!("health check {s}"));
    let snapshot = || hcs.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut list: Vec<Step<'_, Failure>> = Vec::new();
    for (id, region) in [(&hp, p), (&hs, s)] {
        let (hcs, superseded) = (&hcs, &superseded);
        list.push(Step::new(id.clone(), &[], move || {
            async move {
                let recorded = prior.and_then(|p| p.health_check_ids.get(region));
                let (hc, old) =
                    ensure_health_check(cfg, o, region, recorded.map(String::as_str)).await?;
                hcs.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(region.to_string(), hc);
                superseded
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(old);
                Ok(())
            }
            .boxed()
        }));
    }
    list.push(Step::new("failover records", &[&hp, &hs], || {
        async { ensure_records(cfg, o, &writer, &snapshot()).await }.boxed()
    }));
    for region in [p, s] {
        let (resolved, snapshot, runbook_arns) = (&resolved, &snapshot, &runbook_arns);
        list.push(Step::new(
            format!("runbook {region}"),
            &[&hp, &hs],
            move || {
                let marker = marker.filter(|_| region == p);
                async move {
                    let arn =
                        ensure_runbook(cfg, o, region, resolved, &snapshot(), marker, timeout)
                            .await?;
                    runbook_arns
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(region.to_string(), arn);
                    Ok(())
                }
                .boxed()
            },
        ));
    }
    let (rp, rs) = (format!("runbook {p}"), format!("runbook {s}"));
    for (region, after) in [(p, &rp), (s, &rs)] {
        let (resolved, snapshot, runbook_arns) = (&resolved, &snapshot, &runbook_arns);
        list.push(Step::new(
            format!("watcher {region}"),
            &[after.as_str()],
            move || {
                async move {
                    match &o.automatic {
                        Some(a) => {
                            let arn = runbook_arns
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get(region)
                                .cloned()
                                .unwrap_or_default();
                            ensure_watcher(cfg, o, a, region, resolved, &snapshot(), &arn, timeout)
                                .await?;
                        }
                        // Only a state that had automatic failover can have watchers to remove.
                        None if watched_before => remove_watcher(cfg, o, region).await?,
                        None => {}
                    }
                    Ok(())
                }
                .boxed()
            },
        ));
    }
    list.push(Step::new(
        "automatic failover mark",
        &[&format!("watcher {p}"), &format!("watcher {s}")],
        move || {
            async move {
                if o.automatic.is_some() || watched_before {
                    mark_database(cfg, o, o.automatic.is_some()).await?;
                }
                Ok(())
            }
            .boxed()
        },
    ));
    list.push(Step::new(
        "retire superseded health checks",
        &[
            "failover records",
            &format!("runbook {p}"),
            &format!("runbook {s}"),
        ],
        || {
            async {
                let c = &cfg.region(p).route53;
                let retired = superseded.lock().unwrap_or_else(|e| e.into_inner()).clone();
                for id in retired {
                    route53::delete_health_check(c, &id).await?;
                }
                Ok(())
            }
            .boxed()
        },
    ));
    steps::run_reporting(
        list,
        format!("apply failover orchestrator {}", o.id()),
        diags,
    )
    .await;
}

/// The anchor as a create finds it: the primary region's runbook and its tags.
pub async fn anchor(cfg: &Configured, o: &Orchestrator) -> Result<Anchor, AwsError> {
    let c = &cfg.region(&o.primary.region).sfn;
    let account = cfg.account().await;
    let name = o.naming.state_machine(&o.primary.region);
    Ok(match sfn::address(c, account.as_deref(), &name).await? {
        Some(arn) => match sfn::tags(c, &arn).await.found()? {
            Some(tags) => Anchor::Tagged(tags),
            None => Anchor::Absent,
        },
        None => Anchor::Absent,
    })
}

/// After an apply that succeeded: the anchor is marked as this state's.
pub async fn mark_complete(cfg: &Configured, o: &Orchestrator) -> Result<(), AwsError> {
    let c = &cfg.region(&o.primary.region).sfn;
    let account = cfg.account().await;
    let name = o.naming.state_machine(&o.primary.region);
    let Some(arn) = sfn::address(c, account.as_deref(), &name).await? else {
        return Ok(());
    };
    let Some(tags) = sfn::tags(c, &arn).await.found()? else {
        return Ok(());
    };
    if let Some(m) = ownership::to_complete(&tags) {
        sfn::tag(c, &arn, &m.tags()).await?;
    }
    Ok(())
}

pub async fn destroy(cfg: &Configured, o: &Orchestrator, diags: &mut Diagnostics) {
    let (p, s) = (o.primary.region.as_str(), o.secondary.region.as_str());
    let mut list: Vec<Step<'_, Failure>> = Vec::new();
    // The watchers go first: a shift must not start a runbook that is being deleted. A state
    // without automatic failover never deployed any.
    let watched = o.automatic.is_some();
    for region in [p, s] {
        list.push(Step::new(
            format!("delete watcher {region}"),
            &[],
            move || {
                async move {
                    if watched {
                        remove_watcher(cfg, o, region).await?;
                    }
                    Ok(())
                }
                .boxed()
            },
        ));
    }
    list.push(Step::new(
        "remove automatic failover mark",
        &[],
        move || {
            async move {
                if watched {
                    mark_database(cfg, o, false).await?;
                }
                Ok(())
            }
            .boxed()
        },
    ));
    for region in [p, s] {
        let after = format!("delete watcher {region}");
        list.push(Step::new(
            format!("delete runbook {region}"),
            &[after.as_str()],
            move || {
                async move {
                    let c = &cfg.region(region).sfn;
                    let account = cfg.account().await;
                    let name = o.naming.state_machine(region);
                    if let Some(arn) = sfn::address(c, account.as_deref(), &name).await? {
                        sfn::delete(c, &arn).await?;
                    }
                    Ok(())
                }
                .boxed()
            },
        ));
    }
    list.push(Step::new("delete failover records", &[], || {
        async {
            let c = &cfg.region(p).route53;
            let zone = o.zone_id.trim_start_matches("/hostedzone/");
            let current = route53::failover_records(
                c,
                zone,
                &o.record_name,
                &[PRIMARY_SET_ID, SECONDARY_SET_ID],
            )
            .await
            .or_else(|e| {
                if e.is(crate::aws::errors::ErrorKind::NotFound) {
                    Ok(Vec::new())
                } else {
                    Err(e)
                }
            })?;
            route53::change(
                c,
                zone,
                &o.record_name,
                ChangeAction::Delete,
                &current,
                &format!("trdr {}: destroy", o.id()),
            )
            .await?;
            Ok(())
        }
        .boxed()
    }));
    list.push(Step::new(
        "delete health checks",
        &["delete failover records"],
        || {
            async {
                let c = &cfg.region(p).route53;
                for region in [p, s] {
                    for h in route53::health_checks_with_prefix(c, &o.health_check_prefix(region))
                        .await?
                    {
                        route53::delete_health_check(c, h.id()).await?;
                    }
                }
                Ok(())
            }
            .boxed()
        },
    ));
    steps::run_reporting(
        list,
        format!("destroy failover orchestrator {}", o.id()),
        diags,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `v` is a legal Step Functions tag value.
    fn sfn_tag_value_ok(v: &str) -> bool {
        v.len() <= 256
            && v.chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
    }

    /// Issue 9, item 5: a comma in a tag value makes CreateStateMachine fail on AWS.
    #[test]
    fn runbook_tags_use_only_characters_step_functions_allows() {
        let t = runbook_tag(&runbook::Tuning::default());
        assert!(sfn_tag_value_ok(&t), "{t}");
        assert!(!sfn_tag_value_ok("2,4,2,1"));
        let f = super::super::tag_fields(&t);
        assert_eq!(f["promotion"], 900.0);
        for v in [
            "trading:dev",
            "detection=30 ttl=60",
            "trdr:pair:us-east-1 trdr:pair:us-east-2",
        ] {
            assert!(sfn_tag_value_ok(v), "{v}");
        }
    }
}
