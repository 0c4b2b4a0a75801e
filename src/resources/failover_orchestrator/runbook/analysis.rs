//! What a generated definition implies: its worst-case durations (the RTO budget and the
//! execution timeout are derived from them) and the structural checks the sandbox's validator
//! does not make.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::spec::{POLL_TASK, POLL_WAIT};

fn edges(state: &Json) -> Vec<&str> {
    let mut out = Vec::new();
    for key in ["Next", "Default"] {
        if let Some(n) = state.get(key).and_then(Json::as_str) {
            out.push(n);
        }
    }
    for list in ["Choices", "Catch"] {
        for c in state
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = c.get("Next").and_then(Json::as_str) {
                out.push(n);
            }
        }
    }
    out
}

/// The worst time one state can take: a Task's timeout on every attempt plus the retry pauses
/// (jitter only shortens them); a Wait's seconds.
fn worst_seconds(state: &Json) -> f64 {
    match state.get("Type").and_then(Json::as_str) {
        Some("Task") => {
            let timeout = state
                .get("TimeoutSeconds")
                .and_then(Json::as_f64)
                .unwrap_or(60.0);
            let mut total = timeout;
            for r in state
                .get("Retry")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let attempts = r.get("MaxAttempts").and_then(Json::as_u64).unwrap_or(3);
                let interval = r
                    .get("IntervalSeconds")
                    .and_then(Json::as_f64)
                    .unwrap_or(1.0);
                let rate = r.get("BackoffRate").and_then(Json::as_f64).unwrap_or(2.0);
                let cap = r
                    .get("MaxDelaySeconds")
                    .and_then(Json::as_f64)
                    .unwrap_or(f64::MAX);
                for i in 0..attempts {
                    total += timeout + (interval * rate.powi(i as i32)).min(cap);
                }
            }
            total
        }
        Some("Wait") => state.get("Seconds").and_then(Json::as_f64).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// The runbook's own worst case in seconds, without the promotion AWS performs: the longest path
/// with one poll, so the wait until the runbook notices a finished promotion (one interval) is
/// counted, the promotion's own duration is not.
pub fn overhead_seconds(definition: &Json) -> f64 {
    worst_case_seconds(definition, 1)
}

/// Worst-case duration of a whole run in seconds: the longest path through the definition, with
/// the poll loop taken `max_polls` times (the promotion timeout).
pub fn worst_case_seconds(definition: &Json, max_polls: u32) -> f64 {
    let states = definition.get("States").and_then(Json::as_object);
    let Some(states) = states else {
        return f64::INFINITY;
    };
    fn longest(
        name: &str,
        states: &serde_json::Map<String, Json>,
        stack: &mut BTreeSet<String>,
        memo: &mut BTreeMap<String, f64>,
    ) -> f64 {
        if let Some(v) = memo.get(name) {
            return *v;
        }
        let Some(state) = states.get(name) else {
            return 0.0;
        };
        stack.insert(name.to_string());
        let mut best = 0.0f64;
        for next in edges(state) {
            if stack.contains(next) {
                continue; // the loop's back edge; its repetitions are added below
            }
            best = best.max(longest(next, states, stack, memo));
        }
        stack.remove(name);
        let v = worst_seconds(state) + best;
        memo.insert(name.to_string(), v);
        v
    }
    let start = definition
        .get("StartAt")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let path = longest(start, states, &mut BTreeSet::new(), &mut BTreeMap::new());
    let one_poll = states.get(POLL_WAIT).map(worst_seconds).unwrap_or(0.0)
        + states.get(POLL_TASK).map(worst_seconds).unwrap_or(0.0);
    path + one_poll * max_polls.saturating_sub(1) as f64
}

/// What the sandbox's `ValidateStateMachineDefinition` would let through: missing targets,
/// Tasks without Retry or Catch, unreachable states, no terminal state.
pub fn structural_problems(definition: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(states) = definition.get("States").and_then(Json::as_object) else {
        return vec!["no States".into()];
    };
    let start = definition
        .get("StartAt")
        .and_then(Json::as_str)
        .unwrap_or_default();
    if !states.contains_key(start) {
        problems.push(format!("StartAt {start:?} is not a state"));
    }
    for (name, state) in states {
        let ty = state.get("Type").and_then(Json::as_str).unwrap_or_default();
        for next in edges(state) {
            if !states.contains_key(next) {
                problems.push(format!("{name} goes to {next:?}, which does not exist"));
            }
        }
        let terminal =
            matches!(ty, "Succeed" | "Fail") || state.get("End") == Some(&Json::Bool(true));
        if !terminal && ty != "Choice" && state.get("Next").is_none() {
            problems.push(format!("{name} has neither Next nor End"));
        }
        if ty == "Task" {
            if state
                .get("Retry")
                .and_then(Json::as_array)
                .is_none_or(|r| r.is_empty())
            {
                problems.push(format!("Task {name} has no Retry"));
            }
            if state
                .get("Catch")
                .and_then(Json::as_array)
                .is_none_or(|c| c.is_empty())
            {
                problems.push(format!("Task {name} has no Catch"));
            }
            if state.get("TimeoutSeconds").is_none() {
                problems.push(format!("Task {name} has no TimeoutSeconds"));
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(n) = todo.pop() {
        if seen.insert(n.to_string()) {
            if let Some(s) = states.get(n) {
                todo.extend(edges(s));
            }
        }
    }
    for name in states.keys() {
        if !seen.contains(name) {
            problems.push(format!("{name} is unreachable"));
        }
    }
    problems
}
