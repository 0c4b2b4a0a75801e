//! The order of a global database's steps; each object's module does the work. Create and
//! update share `converge`: global cluster → the writer's cluster (with credentials) → its
//! instances, waited until it is available and listed as writer → the other region's cluster (no
//! credentials) → its instances → engine upgrade (secondary first) → switchover to
//! `writer_region`. Each step looks before it acts, so an interrupted run continues and drift is
//! repaired. `destroy` walks back in reverse.

use std::time::Duration;

use futures::FutureExt;

use super::password::GIVEN_PASSWORD_TAG;
use super::{clusters, global_cluster, instances, password, secret, switchover, Db};
use crate::framework::Diagnostics;
use crate::ownership::Marker;
use crate::provider::Configured;
use crate::steps::{self, Failure, Step};
use crate::tags::Tags;

/// On create, `marker` goes on the global cluster (see `crate::ownership`).
pub async fn converge(
    cfg: &Configured,
    db: &Db,
    marker: Option<&Marker>,
    timeout: Duration,
    diags: &mut Diagnostics,
) {
    let gid = db.global_id();
    let current = match global_cluster::writer_region(cfg, db).await {
        Ok(w) => w,
        Err(e) => return e.report(diags, None, &format!("read global database {gid}")),
    };
    // The cluster that writes now keeps writing until the final switchover step.
    let writer = current.clone().unwrap_or_else(|| db.writer_region.clone());
    let reader = db.other(&writer).region.clone();
    let first = current.is_none();
    let global_tags = global_tags(cfg, db, marker);
    let list = converge_steps(cfg, db, &writer, &reader, first, &global_tags, timeout);
    steps::run_reporting(list, format!("apply global database {gid}"), diags).await;
}

/// The global cluster's tags: the standard ones, the ownership marker on create, and with a
/// brought password the version the writer is created with.
fn global_tags(cfg: &Configured, db: &Db, marker: Option<&Marker>) -> Tags {
    let mut tags = db.tags(cfg, &db.primary.region);
    tags.extend(marker.map(Marker::tags).unwrap_or_default());
    if let Some(given) = &db.given_password {
        tags.insert(GIVEN_PASSWORD_TAG.into(), given.version.to_string());
    }
    tags
}

/// The converge steps and what each waits for; `w` writes now, `r` is the other region.
fn converge_steps<'a>(
    cfg: &'a Configured,
    db: &'a Db,
    w: &'a str,
    r: &'a str,
    first: bool,
    global_tags: &'a Tags,
    timeout: Duration,
) -> Vec<Step<'a, Failure>> {
    let sc = format!("master secret {}", db.secret_name());
    let (wc, rc, gc, ic, up) = (
        format!("cluster {}", db.cluster_id(w)),
        format!("cluster {}", db.cluster_id(r)),
        format!("global cluster {}", db.global_id()),
        format!("instances of {}", db.cluster_id(w)),
        format!("instances of {}", db.cluster_id(r)),
    );
    vec![
        Step::new(gc.clone(), &[], move || {
            global_cluster::ensure(cfg, db, global_tags).boxed()
        }),
        Step::new(sc.clone(), &[], move || secret::ensure(cfg, db).boxed()),
        Step::new(wc.clone(), &[&gc, &sc], move || {
            clusters::ensure(cfg, db, w, first, timeout).boxed()
        }),
        Step::new("master password", &[&ic], move || {
            password::ensure(cfg, db, w, timeout).boxed()
        }),
        Step::new(ic.clone(), &[&wc], move || {
            async move {
                instances::ensure(cfg, db, w, timeout).await?;
                switchover::wait_writer(cfg, db, w, timeout).await
            }
            .boxed()
        }),
        Step::new(rc.clone(), &[&ic], move || {
            clusters::ensure(cfg, db, r, false, timeout).boxed()
        }),
        Step::new(up.clone(), &[&rc], move || {
            instances::ensure(cfg, db, r, timeout).boxed()
        }),
        Step::new("engine version", &[&ic, &up], move || {
            clusters::upgrade(cfg, db, w, r, timeout).boxed()
        }),
        Step::new(
            format!("writer {}", db.writer_region),
            &["engine version", "master password"],
            move || switchover::switchover(cfg, db, timeout).boxed(),
        ),
    ]
}

/// Deletes in reverse: the non-writer member (instances, detach, cluster), then the writer, then
/// the global cluster, then trdr's secret. Every step checks first, so a destroy interrupted
/// anywhere finishes on the next run.
pub async fn destroy(cfg: &Configured, db: &Db, timeout: Duration, diags: &mut Diagnostics) {
    let gid = db.global_id();
    let doing = format!("destroy global database {gid}");
    let writer = match global_cluster::settled_writer(cfg, db, timeout).await {
        Ok(w) => w.unwrap_or_else(|| db.writer_region.clone()),
        Err(failure) => {
            // Reported as the destroy's own failure: the step, what it waited for, the hint.
            let settle = Step::new(format!("settle {gid}"), &[], move || {
                async move { Err(failure) }.boxed()
            });
            return steps::run_reporting(vec![settle], doing, diags).await;
        }
    };
    let reader = db.other(&writer).region.clone();
    let list = destroy_steps(cfg, db, &writer, &reader, timeout);
    steps::run_reporting(list, doing, diags).await;
}

/// The destroy steps, one after the other; `w` writes now, `r` is the other region.
fn destroy_steps<'a>(
    cfg: &'a Configured,
    db: &'a Db,
    w: &'a str,
    r: &'a str,
    timeout: Duration,
) -> Vec<Step<'a, Failure>> {
    let gid = db.global_id();
    let ids = [
        format!("delete instances in {r}"),
        format!("detach {r}"),
        format!("delete cluster in {r}"),
        format!("delete instances in {w}"),
        format!("detach {w}"),
        format!("delete cluster in {w}"),
        format!("delete global cluster {gid}"),
    ];
    vec![
        Step::new(ids[0].clone(), &[], move || {
            instances::delete_all(cfg, db, r, timeout).boxed()
        }),
        Step::new(ids[1].clone(), &[&ids[0]], move || {
            global_cluster::detach(cfg, db, r, timeout).boxed()
        }),
        Step::new(ids[2].clone(), &[&ids[1]], move || {
            clusters::delete(cfg, db, r, timeout).boxed()
        }),
        Step::new(ids[3].clone(), &[&ids[2]], move || {
            instances::delete_all(cfg, db, w, timeout).boxed()
        }),
        Step::new(ids[4].clone(), &[&ids[3]], move || {
            global_cluster::detach(cfg, db, w, timeout).boxed()
        }),
        Step::new(ids[5].clone(), &[&ids[4]], move || {
            clusters::delete(cfg, db, w, timeout).boxed()
        }),
        Step::new(ids[6].clone(), &[&ids[5]], move || {
            global_cluster::delete(cfg, db, w, timeout).boxed()
        }),
        Step::new(
            format!("delete master secret {}", db.secret_name()),
            &[&ids[6]],
            move || secret::delete(cfg, db).boxed(),
        ),
    ]
}
