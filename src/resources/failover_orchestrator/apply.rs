//! Create, update and delete as ordered steps over the objects the orchestrator owns (each
//! module deploys its own): health checks first (both regions in parallel), then the record pair
//! (one atomic batch, `PRIMARY` on the database's current writer) and the runbook in each region,
//! then the watchers and the automatic-failover mark, and last the superseded health checks.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use futures::FutureExt;

use super::desired::{resolve, Resolved};
use super::model::Orchestrator;
use super::schema::GLOBAL_DATABASE_ID;
use super::{alarms, dns, mark, runbooks, watchers};
use crate::framework::Diagnostics;
use crate::ownership::Marker;
use crate::provider::Configured;
use crate::steps::{self, Failure, Step};

/// What the steps of an apply learn and later steps use.
#[derive(Default)]
struct Progress {
    /// Health check ids, by region.
    health_checks: Mutex<BTreeMap<String, String>>,
    /// Runbook ARNs, by region.
    runbooks: Mutex<BTreeMap<String, String>>,
    /// Health checks a new one replaced, retired at the end.
    superseded: Mutex<Vec<String>>,
}

/// A step that panicked holding the lock leaves its data as it was: still the best we know.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Progress {
    fn health_checks(&self) -> BTreeMap<String, String> {
        lock(&self.health_checks).clone()
    }
}

/// The database as the runbooks need it: a member in each region. Reported and `None` otherwise.
async fn resolve_members(
    cfg: &Configured,
    o: &Orchestrator,
    diags: &mut Diagnostics,
) -> Option<Resolved> {
    let resolved = match resolve(cfg, o).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            diags.attr_error(
                &GLOBAL_DATABASE_ID.path(),
                format!(
                    "global database {:?} does not exist in {}.",
                    o.global_id, o.primary.region
                ),
            );
            return None;
        }
        Err(e) => {
            e.report(diags, None, "read the global database");
            return None;
        }
    };
    for e in o.regions() {
        if !resolved.member_arns.contains_key(&e.region) {
            diags.attr_error(&GLOBAL_DATABASE_ID.path(), format!("global database {:?} has no member cluster in {}; the runbook there would have nothing to promote.", o.global_id, e.region));
            return None;
        }
    }
    Some(resolved)
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
    let Some(resolved) = resolve_members(cfg, o, diags).await else {
        return;
    };
    let writer = resolved
        .writer
        .clone()
        .unwrap_or_else(|| o.primary.region.clone());
    let progress = Progress::default();
    let watched_before = prior.is_some_and(|p| p.automatic.is_some());
    let (p, s) = (o.primary.region.as_str(), o.secondary.region.as_str());
    let mut list: Vec<Step<'_, Failure>> = Vec::new();
    health_check_steps(&mut list, cfg, o, prior, &progress);
    let (hp, hs) = (format!("health check {p}"), format!("health check {s}"));
    list.push(Step::new("failover records", &[&hp, &hs], || {
        async { dns::ensure_records(cfg, o, &writer, &progress.health_checks()).await }.boxed()
    }));
    runbook_steps(&mut list, cfg, o, &resolved, marker, timeout, &progress);
    watcher_steps(
        &mut list,
        cfg,
        o,
        &resolved,
        watched_before,
        timeout,
        &progress,
    );
    alarm_steps(&mut list, cfg, o, alarms::ensure, "alarms", Some("watcher"));
    list.push(Step::new(
        "automatic failover mark",
        &[&format!("watcher {p}"), &format!("watcher {s}")],
        move || {
            async move {
                if o.automatic.is_some() || watched_before {
                    mark::set(cfg, o, o.automatic.is_some()).await?;
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
                let retired = lock(&progress.superseded).clone();
                dns::retire(cfg, o, retired).await
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

/// `health check REGION`: each region's check, in parallel.
fn health_check_steps<'a>(
    list: &mut Vec<Step<'a, Failure>>,
    cfg: &'a Configured,
    o: &'a Orchestrator,
    prior: Option<&'a Orchestrator>,
    progress: &'a Progress,
) {
    for region in [o.primary.region.as_str(), o.secondary.region.as_str()] {
        list.push(Step::new(
            format!("health check {region}"),
            &[],
            move || {
                async move {
                    let recorded = prior.and_then(|p| p.health_check_ids.get(region));
                    let (hc, old) =
                        dns::ensure_health_check(cfg, o, region, recorded.map(String::as_str))
                            .await?;
                    lock(&progress.health_checks).insert(region.to_string(), hc);
                    lock(&progress.superseded).extend(old);
                    Ok(())
                }
                .boxed()
            },
        ));
    }
}

/// `runbook REGION`: each region's runbook, once both health checks exist (it names them).
fn runbook_steps<'a>(
    list: &mut Vec<Step<'a, Failure>>,
    cfg: &'a Configured,
    o: &'a Orchestrator,
    resolved: &'a Resolved,
    marker: Option<&'a Marker>,
    timeout: Duration,
    progress: &'a Progress,
) {
    let (p, s) = (o.primary.region.as_str(), o.secondary.region.as_str());
    let (hp, hs) = (format!("health check {p}"), format!("health check {s}"));
    for region in [p, s] {
        list.push(Step::new(
            format!("runbook {region}"),
            &[&hp, &hs],
            move || {
                let marker = marker.filter(|_| region == p);
                async move {
                    let hcs = progress.health_checks();
                    let arn =
                        runbooks::ensure(cfg, o, region, resolved, &hcs, marker, timeout).await?;
                    lock(&progress.runbooks).insert(region.to_string(), arn);
                    Ok(())
                }
                .boxed()
            },
        ));
    }
}

/// `watcher REGION`: each region's watcher once its runbook exists (it starts it), or its
/// removal when `automatic_failover` was dropped.
fn watcher_steps<'a>(
    list: &mut Vec<Step<'a, Failure>>,
    cfg: &'a Configured,
    o: &'a Orchestrator,
    resolved: &'a Resolved,
    watched_before: bool,
    timeout: Duration,
    progress: &'a Progress,
) {
    for region in [o.primary.region.as_str(), o.secondary.region.as_str()] {
        let after = format!("runbook {region}");
        list.push(Step::new(
            format!("watcher {region}"),
            &[after.as_str()],
            move || {
                async move {
                    match &o.automatic {
                        Some(a) => {
                            let arn = lock(&progress.runbooks)
                                .get(region)
                                .cloned()
                                .unwrap_or_default();
                            let hcs = progress.health_checks();
                            watchers::ensure(cfg, o, a, region, resolved, &hcs, &arn, timeout)
                                .await?;
                        }
                        // Only a state that had automatic failover can have watchers to remove.
                        None if watched_before => watchers::remove(cfg, o, region).await?,
                        None => {}
                    }
                    Ok(())
                }
                .boxed()
            },
        ));
    }
}

/// `{name} REGION`: each region's alarms (see `alarms`), after step `{after} REGION` when
/// `after` is given (the alarms name the state machines that step and those before it deploy).
fn alarm_steps<'a, F>(
    list: &mut Vec<Step<'a, Failure>>,
    cfg: &'a Configured,
    o: &'a Orchestrator,
    run: fn(&'a Configured, &'a Orchestrator, &'a str) -> F,
    name: &str,
    after: Option<&str>,
) where
    F: std::future::Future<Output = Result<(), Failure>> + Send + 'a,
{
    for region in [o.primary.region.as_str(), o.secondary.region.as_str()] {
        let after: Vec<String> = after.iter().map(|a| format!("{a} {region}")).collect();
        let after: Vec<&str> = after.iter().map(String::as_str).collect();
        list.push(Step::new(format!("{name} {region}"), &after, move || {
            run(cfg, o, region).boxed()
        }));
    }
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
                        watchers::remove(cfg, o, region).await?;
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
                    mark::set(cfg, o, false).await?;
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
            move || async move { runbooks::delete(cfg, o, region).await }.boxed(),
        ));
    }
    alarm_steps(&mut list, cfg, o, alarms::remove, "delete alarms", None);
    list.push(Step::new("delete failover records", &[], || {
        async { dns::delete_records(cfg, o).await }.boxed()
    }));
    list.push(Step::new(
        "delete health checks",
        &["delete failover records"],
        || async { dns::delete_health_checks(cfg, o).await }.boxed(),
    ));
    steps::run_reporting(
        list,
        format!("destroy failover orchestrator {}", o.id()),
        diags,
    )
    .await;
}
