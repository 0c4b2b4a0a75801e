//! The plan: names AWS would refuse, the RTO budget against the target, and which computed
//! attributes an apply will change.

use super::model::Orchestrator;
use super::schema::*;
use crate::framework::{Diagnostics, PlanCall, Value};
use crate::naming::ENVIRONMENT_SUFFIX;
use crate::provider::config::ProviderConfig;

pub fn plan(config: &ProviderConfig, call: PlanCall<'_>) {
    let PlanCall {
        out, prior, diags, ..
    } = call;
    if diags.has_errors() {
        return;
    }
    let planned = &mut out.state;
    let Some(o) = Orchestrator::from_value(planned, config) else {
        RTO_BUDGET_SECONDS.put(planned, Value::Unknown);
        return;
    };
    check_name_lengths(&o, diags);
    if diags.has_errors() {
        return;
    }
    plan_budget(&o, planned, diags);
    ID.put(planned, o.id());
    DRIFT.put(planned, Value::List(Vec::new()));
    plan_computed(prior, planned);
}

/// Names AWS limits (Step Functions state machines 80 characters; EventBridge Scheduler
/// schedules and EventBridge connections 64): refused here, not halfway through an apply.
fn check_name_lengths(o: &Orchestrator, diags: &mut Diagnostics) {
    for e in o.regions() {
        let mut names = vec![(
            o.naming.state_machine(&e.region),
            80,
            "Step Functions state machine",
        )];
        if o.automatic.is_some() {
            names.push((
                o.naming.watcher(&e.region),
                64,
                "EventBridge Scheduler schedule",
            ));
            names.push((
                o.naming.probe_connection(&e.region),
                64,
                "EventBridge connection",
            ));
        }
        for (n, max, what) in names {
            if n.len() > max {
                diags.attr_error(
                    &ENVIRONMENT_SUFFIX.path(),
                    format!("the {what} {n} would be {} characters long; AWS allows {max}. Shorten name or environment_suffix.", n.len()),
                );
            }
        }
    }
}

/// `rto_budget_seconds`, once the regional stacks (whose tables a drill checks) are known; a
/// budget above the target is a warning.
fn plan_budget(o: &Orchestrator, planned: &mut Value, diags: &mut Diagnostics) {
    if !REGIONAL_STACK_IDS.raw(planned).is_wholly_known() {
        RTO_BUDGET_SECONDS.put(planned, Value::Unknown);
        return;
    }
    let budget = o.budget();
    RTO_BUDGET_SECONDS.put(planned, budget.total());
    // A warning, not an error: refusing to deploy a runbook because a target is out of
    // reach would leave the topology with none.
    if budget.total() > o.rto_target {
        diags.warning(
            Some(RTO_TARGET_SECONDS.path()),
            "RTO target below what trdr controls",
            format!(
                "What trdr controls can take up to {}, above rto_target_seconds = {}. Runs will report the target as missed. Lower health_check, dns.ttl or the runbook block's task_timeout_seconds / task_retries / poll_interval_seconds, or raise rto_target_seconds.",
                budget.explain(), o.rto_target
            ),
        );
    }
}

/// The computed attributes an apply may change are unknown; the others keep the prior state's.
fn plan_computed(prior: Option<&Value>, planned: &mut Value) {
    let Some(prior) = prior else {
        STATE_MACHINE_ARNS.put(planned, Value::Unknown);
        HEALTH_CHECK_IDS.put(planned, Value::Unknown);
        ACTIVE_REGION.put(planned, Value::Unknown);
        WATCHER_ARNS.put(planned, Value::Unknown);
        return;
    };
    // A new interval means new health checks.
    let interval = |v: &Value| REQUEST_INTERVAL.raw(HEALTH_CHECK.of(v)).clone();
    if interval(prior) != interval(planned) {
        HEALTH_CHECK_IDS.put(planned, Value::Unknown);
    }
    // DNS follows the database's writer: it moves only when a repair re-points it. A
    // repair may also recreate a runbook or a health check, whose ARN or id is then new.
    let repairs = !DRIFT.get(prior).unwrap_or_default().is_empty();
    let watching = |v: &Value| !AUTOMATIC_FAILOVER.of(v).is_null();
    if repairs || watching(prior) != watching(planned) {
        WATCHER_ARNS.put(planned, Value::Unknown);
    } else {
        WATCHER_ARNS.put(planned, WATCHER_ARNS.raw(prior).clone());
    }
    if repairs {
        ACTIVE_REGION.put(planned, Value::Unknown);
        STATE_MACHINE_ARNS.put(planned, Value::Unknown);
        HEALTH_CHECK_IDS.put(planned, Value::Unknown);
    } else {
        ACTIVE_REGION.put(planned, ACTIVE_REGION.raw(prior).clone());
    }
}
