//! The actions (plugin protocol 6.10): `trdr_drill`, `trdr_switchover` and `trdr_failover` start
//! the failover runbook of one region, as the runbook's own input names them, report its steps as
//! they happen and end with its outcome and measured recovery time — or its error.
//!
//! Everything an action calls is in the region whose runbook runs (the one the writer moves to, or
//! the one a drill checks): during an outage of the other region it still works.
//!
//! `trdr_pause` and `trdr_resume` ([`pause`]) pause and resume the watchers of automatic failover.

mod pause;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent};

use crate::aws::errors::{AwsError, AwsResultExt, ErrorKind};
use crate::aws::{rds, sfn};
use crate::framework::attr::Attr;
use crate::framework::resource::Progress;
use crate::framework::validate::{self, is_region, Check};
use crate::framework::{ActionType, Block, Diagnostics, Schema, Value};
use crate::naming::Naming;
use crate::provider::{Configured, ProviderContext};

const ORCHESTRATOR_ID: Attr<String> = Attr::required(
    "orchestrator_id",
    "Id of the `trdr_failover_orchestrator` (`name:environment_suffix`) whose runbook runs.",
)
.checks(&[Check::Matches(
    "an orchestrator id name:environment_suffix",
    |s| s.split(':').count() == 2 && !s.starts_with(':') && !s.ends_with(':'),
)]);
const REGION: Attr<String> = Attr::optional("region", "The region whose runbook runs: where the writer moves to (switchover, failover) or whose readiness a drill checks. One of the provider's two regions; default: the region that does not write now.")
    .checks(&[Check::Matches("an AWS region name such as us-east-2", is_region)]);

/// What the runbook is asked to do (its input's `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Drill,
    Switchover,
    Failover,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Drill => "drill",
            Mode::Switchover => "switchover",
            Mode::Failover => "failover",
        }
    }

    fn moves_the_writer(self) -> bool {
        self != Mode::Drill
    }

    fn doc(self) -> &'static str {
        match self {
            Mode::Drill => "Runs the failover runbook of a region in drill mode: every check a failover makes (the secondary's state, replication lag, the session tables, the health checks), without moving anything. Ends with `drill-ready`, or fails naming the checks that failed. `terraform apply -invoke=action.trdr_drill.NAME`, or an `action_trigger` after every orchestrator update.",
            Mode::Switchover => "Moves the writer to a region with no data loss (`SwitchoverGlobalCluster`, which waits until the secondary has caught up) by running that region's runbook in switchover mode; DNS follows. Ends with the measured recovery time against `rto_target_seconds`. Refused at plan when the region already writes.",
            Mode::Failover => "Moves the writer to a region when the other one has failed (`FailoverGlobalCluster` with `AllowDataLoss`; what it loses is bounded by `max_rpo_seconds`) by running that region's runbook in failover mode, which needs nothing from the failed region: the action itself reads only that region (its runbook, and the writer as RDS there reports it), so `terraform apply -invoke=action.trdr_failover.NAME` works while the other region is down (the refresh before it keeps the last known state of what the failed region cannot answer for, with a warning). Refused at plan when the region already writes.",
        }
    }
}

pub struct RunbookAction {
    ctx: Arc<ProviderContext>,
    mode: Mode,
}

/// Every action, sharing the provider context.
pub fn all(ctx: &Arc<ProviderContext>) -> Vec<Arc<dyn ActionType>> {
    let runbooks = [Mode::Drill, Mode::Switchover, Mode::Failover]
        .into_iter()
        .map(|mode| {
            Arc::new(RunbookAction {
                ctx: ctx.clone(),
                mode,
            }) as Arc<dyn ActionType>
        });
    let pauses = [true, false]
        .into_iter()
        .map(|pause| Arc::new(pause::PauseAction::new(ctx.clone(), pause)) as Arc<dyn ActionType>);
    runbooks.chain(pauses).collect()
}

/// The runbook an action runs, where the writer is, and whether `writer_region` is a preference
/// (automatic failover tags the global cluster).
struct Target {
    region: String,
    runbook_arn: String,
    writer: Option<String>,
    preference: bool,
}

/// What RDS in a region says: the writer's region and the automatic-failover tag.
struct Seen {
    runbook_arn: String,
    writer: Option<String>,
    preference: bool,
}

impl RunbookAction {
    /// The region, its runbook and the writer now, each read in that region only. `None` with an
    /// error in `diags` when the action cannot run.
    /// At plan (`planning`), what cannot be found or read is a warning: a triggered action is
    /// planned before the apply that creates its runbook, and a plan during an outage must not
    /// fail on an unreadable region; the invoke then decides.
    async fn target(
        &self,
        cfg: &Configured,
        config: &Value,
        planning: bool,
        diags: &mut Diagnostics,
    ) -> Option<Target> {
        let id = ORCHESTRATOR_ID.get(config)?;
        let (name, suffix) = id.split_once(':')?;
        let naming = Naming::new(name, suffix);
        let regions = [
            cfg.config.primary_region.clone(),
            cfg.config.secondary_region.clone(),
        ];
        let chosen = REGION.get(config);
        if let Some(r) = &chosen {
            if !regions.contains(r) {
                diags.attr_error(&REGION.path(), format!("{r} is neither of the provider's regions ({}); the orchestrator's runbooks are there.", regions.join(", ")));
                return None;
            }
        }
        // Without a region the writer decides, so it is read from either region's runbook (the
        // secondary's first: during a primary outage that is the one that answers).
        let order = match &chosen {
            Some(r) => vec![r.clone()],
            None => vec![regions[1].clone(), regions[0].clone()],
        };
        let mut last_error = None;
        let mut found = None;
        for region in order {
            match self.look(cfg, &naming, &region).await {
                Ok(Some(seen)) => {
                    found = Some((region, seen));
                    break;
                }
                Ok(None) if chosen.is_some() => return missing(diags, planning, &id, &region),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
        }
        let Some((looked, seen)) = found else {
            return match last_error {
                Some(e) => unreadable(diags, planning, e, &format!("find the runbooks of {id}")),
                None => missing(diags, planning, &id, &regions.join(" or ")),
            };
        };
        // The chosen region, else the one that does not write; its runbook is the one looked at
        // unless that was the writer's.
        let region = match (&chosen, &seen.writer) {
            (None, Some(w)) => regions.iter().find(|r| *r != w).unwrap_or(&looked).clone(),
            _ => looked.clone(),
        };
        let runbook_arn = if region == looked {
            seen.runbook_arn
        } else {
            match self.look(cfg, &naming, &region).await {
                Ok(Some(other)) => other.runbook_arn,
                Ok(None) => return missing(diags, planning, &id, &region),
                Err(e) => {
                    let what = format!("find the runbook of {id} in {region}");
                    return unreadable(diags, planning, e, &what);
                }
            }
        };
        Some(Target {
            region,
            runbook_arn,
            writer: seen.writer,
            preference: seen.preference,
        })
    }

    /// The runbook of `region` and the global cluster as RDS in `region` reports it (`None` when
    /// the runbook does not exist; the writer `None` when RDS did not say).
    async fn look(
        &self,
        cfg: &Configured,
        naming: &Naming,
        region: &str,
    ) -> Result<Option<Seen>, AwsError> {
        let rc = cfg.region(region);
        let account = cfg.account().await;
        let Some(runbook) =
            sfn::locate(&rc.sfn, account.as_deref(), &naming.state_machine(region)).await?
        else {
            return Ok(None);
        };
        let definition: serde_json::Value =
            serde_json::from_str(&runbook.definition).unwrap_or_default();
        let global = match global_cluster_id(&definition) {
            Some(gid) => rds::global(&rc.rds, &gid).await?,
            None => None,
        };
        Ok(Some(Seen {
            runbook_arn: runbook.arn,
            writer: global.as_ref().and_then(rds::writer_region),
            preference: global.as_ref().is_some_and(|g| {
                rds::global_tags(g).contains_key(crate::tags::AUTOMATIC_FAILOVER_TAG)
            }),
        }))
    }
}

fn missing<T>(diags: &mut Diagnostics, planning: bool, id: &str, region: &str) -> Option<T> {
    let detail = format!("orchestrator {id} has no runbook in {region} (yet)");
    if planning {
        diags.warning(
            Some(ORCHESTRATOR_ID.path()),
            "Runbook not deployed yet",
            format!("{detail}: if this apply does not create it, the action fails when it runs."),
        );
    } else {
        diags.attr_error(
            &ORCHESTRATOR_ID.path(),
            format!("{detail}; apply the trdr_failover_orchestrator first."),
        );
    }
    None
}

fn unreadable<T>(diags: &mut Diagnostics, planning: bool, e: AwsError, what: &str) -> Option<T> {
    if planning {
        diags.warning(
            None,
            "Action not checked at plan time",
            format!("Could not {what}: {e}. The action is checked again when it runs."),
        );
    } else {
        e.report(diags, None, what);
    }
    None
}

/// The global cluster a runbook promotes: the first `GlobalClusterIdentifier` in its definition.
fn global_cluster_id(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Object(m) => m
            .get("GlobalClusterIdentifier")
            .and_then(|g| g.as_str())
            .map(str::to_string)
            .or_else(|| m.values().find_map(global_cluster_id)),
        serde_json::Value::Array(a) => a.iter().find_map(global_cluster_id),
        _ => None,
    }
}

#[async_trait]
impl ActionType for RunbookAction {
    fn name(&self) -> &'static str {
        self.mode.as_str()
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block::new(self.mode.doc()).with(&[&ORCHESTRATOR_ID, &REGION]),
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::schema(diags, &self.schema().block, config);
    }

    async fn plan(&self, config: &Value, diags: &mut Diagnostics) {
        if !config.is_wholly_known() {
            return;
        }
        let Some(cfg) = self.ctx.require(diags) else {
            return;
        };
        let Some(t) = self.target(&cfg, config, true, diags).await else {
            return;
        };
        match (&t.writer, self.mode.moves_the_writer()) {
            (Some(w), true) if *w == t.region => diags.attr_error(
                &REGION.path(),
                format!("the writer is already in {w}: a {} into it would move nothing. Name the other region, or leave region unset (the region that does not write).", self.mode.as_str()),
            ),
            (None, true) => diags.warning(
                Some(REGION.path()),
                "Writer not known at plan time",
                format!("RDS in {} did not say which region writes, so whether {} already writes is left to the runbook (which ends with `already-writer` then).", t.region, t.region),
            ),
            _ => {}
        }
    }

    async fn invoke(&self, config: &Value, progress: Progress<'_>, diags: &mut Diagnostics) {
        let Some(cfg) = self.ctx.require(diags) else {
            return;
        };
        let Some(t) = self.target(&cfg, config, false, diags).await else {
            return;
        };
        let mode = self.mode.as_str();
        let c = &cfg.region(&t.region).sfn;
        let started = c
            .start_execution()
            .state_machine_arn(&t.runbook_arn)
            .input(serde_json::json!({"mode": mode}).to_string())
            .send()
            .await
            .aws("StartExecution", c);
        let execution = match started {
            Ok(o) => o.execution_arn().to_string(),
            Err(e) => {
                return e.report(
                    diags,
                    None,
                    &format!("start the {mode} runbook in {}", t.region),
                )
            }
        };
        progress(format!(
            "{mode} runbook started in {} (writer now: {}): {execution}",
            t.region,
            t.writer.as_deref().unwrap_or("unknown")
        ));
        match follow(c, &execution, progress).await {
            Err(e) => lost_track(diags, self.mode, &t.region, &execution, &e),
            Ok(run) => {
                let moved = report(self.mode, &t.region, run, progress, diags);
                if moved && t.writer.as_deref() != Some(t.region.as_str()) {
                    progress(if t.preference {
                        format!("automatic failover is on, so writer_region is a preference: the next plan warns that {} writes and moves nothing", t.region)
                    } else {
                        format!("trdr_global_database's writer_region still names {}: set it to \"{}\", or the next apply switches the writer back", t.writer.as_deref().unwrap_or("the old writer"), t.region)
                    });
                }
            }
        }
    }
}

/// The action stopped following `execution` (Terraform's stop, or a call that failed) while it
/// still runs in AWS: the diagnostic says so, names it, and gives the commands to follow and to
/// stop it, so that nobody reads the run as failed and starts a second one.
fn lost_track(diags: &mut Diagnostics, mode: Mode, region: &str, execution: &str, e: &AwsError) {
    let m = mode.as_str();
    let commands = sfn::execution_commands(execution, region);
    let stopped = e.is(ErrorKind::Stopped) || crate::stop::requested();
    let summary = if stopped {
        format!("Stopped following the {m} runbook: it goes on in {region}")
    } else {
        format!("Lost track of the {m} runbook: it goes on in {region}")
    };
    let why = if stopped {
        "Terraform asked the provider to stop (interrupt), so the action stopped following the execution; the execution itself was not stopped.".to_string()
    } else {
        format!("The action could not follow the execution ({e}); the execution itself was not stopped.")
    };
    let after = if mode.moves_the_writer() {
        format!("It may still move the writer to {region}: do not start another {m} while it runs. Once it has ended, `terraform apply` converges (set trdr_global_database's writer_region to where the writer is, as the action would have said, or the apply moves it back).")
    } else {
        "A drill moves nothing; its outcome is in the execution's output.".to_string()
    };
    diags.error(
        None,
        summary,
        format!("{why}\n\nExecution {execution}\nin {region}, still running in AWS.\n\n{commands}\n\n{after}"),
    );
}

/// How an execution ended.
struct Run {
    status: ExecutionStatus,
    output: serde_json::Value,
    error: String,
    cause: String,
}

/// Polls the execution until it ends, reporting each state it enters once.
async fn follow(
    c: &aws_sdk_sfn::Client,
    execution: &str,
    progress: Progress<'_>,
) -> Result<Run, AwsError> {
    let pause =
        crate::waiter::sandbox_scaled(Duration::from_secs(2)).max(Duration::from_millis(50));
    let mut last_event = 0i64;
    loop {
        let d = c
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .aws("DescribeExecution", c)?;
        for event in events_after(c, execution, last_event).await? {
            last_event = event.id();
            let entered = event.r#type().as_str().ends_with("StateEntered");
            if let Some(s) = event.state_entered_event_details().filter(|_| entered) {
                progress(format!("  {}", s.name()));
            }
        }
        if *d.status() != ExecutionStatus::Running {
            let json = |s: Option<&str>| {
                s.and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or(serde_json::Value::Null)
            };
            return Ok(Run {
                status: d.status().clone(),
                output: json(d.output()),
                error: d.error().unwrap_or_default().to_string(),
                cause: d.cause().unwrap_or_default().to_string(),
            });
        }
        // A stop ends the pause at once: the next call is refused and says so.
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = crate::stop::cancelled() => {}
        }
    }
}

/// The execution's history events after event `after`, oldest first: read newest first, page
/// by page, until an event already seen, so a poll reads what is new (and one page), not the
/// whole history again. Without the events' input and output, which the progress does not show.
async fn events_after(
    c: &aws_sdk_sfn::Client,
    execution: &str,
    after: i64,
) -> Result<Vec<HistoryEvent>, AwsError> {
    let mut pages = c
        .get_execution_history()
        .execution_arn(execution)
        .reverse_order(true)
        .include_execution_data(false)
        .max_results(HISTORY_PAGE)
        .into_paginator()
        .send();
    let mut fresh = Vec::new();
    'pages: while let Some(page) = pages.next().await {
        for e in page.aws("GetExecutionHistory", c)?.events() {
            if e.id() <= after {
                break 'pages;
            }
            fresh.push(e.clone());
        }
    }
    fresh.reverse();
    Ok(fresh)
}

/// A page of history: a poll every 2 s sees a few new events, rarely more.
const HISTORY_PAGE: i32 = 100;

/// The run's end as the last progress line, or as the action's error; whether the writer moved.
fn report(
    mode: Mode,
    region: &str,
    run: Run,
    progress: Progress<'_>,
    diags: &mut Diagnostics,
) -> bool {
    let m = mode.as_str();
    if run.status != ExecutionStatus::Succeeded {
        let error = if run.error.is_empty() {
            "no error given"
        } else {
            &run.error
        };
        diags.error(
            None,
            format!("The {m} runbook in {region} {}", run.status.as_str()),
            format!("{error}: {}", run.cause),
        );
        return false;
    }
    let o = &run.output;
    let outcome = o["outcome"].as_str().unwrap_or("unknown");
    match (mode, outcome) {
        (Mode::Drill, "drill-ready") => {
            progress(format!(
                "drill in {region}: drill-ready, every check passed"
            ));
            false
        }
        (Mode::Drill, _) => {
            diags.error(
                None,
                format!("The drill in {region} found the region not ready ({outcome})"),
                drill_failures(o).join("\n"),
            );
            false
        }
        (_, "promoted" | "promoted-dns-pending" | "already-writer") => {
            progress(moved(m, region, outcome, o));
            outcome != "already-writer"
        }
        _ => {
            diags.error(
                None,
                format!("The {m} runbook in {region} ended with {outcome}"),
                o.to_string(),
            );
            false
        }
    }
}

/// The checks a drill failed, `name: detail` each.
fn drill_failures(o: &serde_json::Value) -> Vec<String> {
    let failed = |c: &&serde_json::Value| c["status"] == "fail";
    o["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter(failed)
                .map(|c| {
                    format!(
                        "{}: {}",
                        c["name"].as_str().unwrap_or("?"),
                        c["detail"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a failover or switchover that ended with a writer in `region` reports: the writer
/// before and after, the recovery time against the target, and DNS.
fn moved(m: &str, region: &str, outcome: &str, o: &serde_json::Value) -> String {
    let recovery = o["recovery_seconds"].as_f64().unwrap_or_default();
    let target = o["rto_target_seconds"].as_f64().unwrap_or_default();
    let writer = format!(
        "{} → {}",
        o["writer_before"].as_str().unwrap_or("?"),
        o["writer_after"].as_str().unwrap_or("?")
    );
    let over = if o["rto_exceeded"].as_bool() == Some(true) {
        ", OVER the target"
    } else {
        ""
    };
    let dns = o["dns"].as_str().unwrap_or("?");
    format!("{m} to {region}: {outcome}, writer {writer}, recovery {recovery:.1} s against the {target:.0} s target{over}, DNS {dns}")
}
