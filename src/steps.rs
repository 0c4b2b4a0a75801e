//! Ordered steps across regions. A resource describes its work as named steps with dependencies;
//! the runner starts each step as soon as everything it depends on has finished, so independent
//! steps (the two regions' buckets, say) run in parallel.
//!
//! Every step is an idempotent "ensure": it looks at AWS and does only what is missing. That is
//! what makes progress survive an interruption, even a SIGKILL that leaves no state behind: the
//! next run walks the same steps, finds the finished ones already done, and continues where the
//! last one stopped. Within one run, [`Progress`] records what finished so a retry skips it and a
//! failure can say exactly where it stopped.

use std::collections::BTreeSet;
use std::fmt;

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};

use crate::aws::errors::AwsError;
use crate::framework::{Diagnostics, Path};
use crate::waiter::WaitError;

/// Why a resource's step failed, and which attribute to point the diagnostic at. The cause keeps
/// its type through the run, so the report renders it once, with the hint its kind calls for.
#[derive(Debug)]
pub struct Failure {
    pub path: Option<Path>,
    pub cause: Cause,
}

/// What a step's failure was.
#[derive(Debug)]
pub enum Cause {
    /// An AWS call failed.
    Aws(AwsError),
    /// A wait ended without what it waited for (timed out, unreachable, stopped).
    Wait(WaitError),
    /// A condition the step found itself (a missing primary, a bucket that is not empty).
    Found(String),
}

impl Failure {
    pub fn at(path: Path, detail: impl Into<String>) -> Self {
        Failure {
            path: Some(path),
            cause: Cause::Found(detail.into()),
        }
    }

    /// A condition found by the step, about no attribute in particular.
    pub fn found(detail: impl Into<String>) -> Self {
        Failure {
            path: None,
            cause: Cause::Found(detail.into()),
        }
    }

    /// The same failure, about `path`.
    pub fn about(mut self, path: Path) -> Self {
        self.path = Some(path);
        self
    }

    /// The AWS error behind this failure, if one is.
    pub fn aws(&self) -> Option<&AwsError> {
        match &self.cause {
            Cause::Aws(e) | Cause::Wait(WaitError::Aws(e)) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Aws(e) => e.fmt(f),
            Cause::Wait(e @ WaitError::TimedOut { .. }) => {
                write!(
                    f,
                    "{e}. Raise the timeouts block's value, or run again to keep waiting."
                )
            }
            Cause::Wait(e) => e.fmt(f),
            Cause::Found(text) => f.write_str(text),
        }
    }
}

impl From<AwsError> for Failure {
    fn from(e: AwsError) -> Self {
        Failure {
            path: None,
            cause: Cause::Aws(e),
        }
    }
}

impl From<WaitError> for Failure {
    fn from(e: WaitError) -> Self {
        match e {
            WaitError::Aws(a) => a.into(),
            timed_out @ WaitError::TimedOut { .. } => Failure {
                path: Some(crate::timeouts::TIMEOUTS.path()),
                cause: Cause::Wait(timed_out),
            },
            other => Failure {
                path: None,
                cause: Cause::Wait(other),
            },
        }
    }
}

/// Runs `steps` (`doing` says what they do: "apply global database x") and reports a failure as
/// one diagnostic: what failed, what finished before, what did not start, pointing at the first
/// failure's attribute. A run Terraform stopped says so.
pub async fn run_reporting(steps: Vec<Step<'_, Failure>>, doing: String, diags: &mut Diagnostics) {
    if let Err(stopped) = run(steps, Progress::default()).await {
        let path = stopped.failed.iter().find_map(|(_, f)| f.path.clone());
        let summary = if stopped.interrupted {
            format!("Stopped before finishing: {doing}")
        } else {
            format!("Failed to {doing}")
        };
        // What to do about it, once per kind of AWS failure (two throttled steps, one hint).
        let mut hints: Vec<String> = Vec::new();
        for (_, f) in &stopped.failed {
            if let Some(hint) = f.aws().and_then(AwsError::hint) {
                if !hints.contains(&hint) {
                    hints.push(hint);
                }
            }
        }
        let mut detail = stopped.to_string();
        for hint in hints {
            detail += "\n\n";
            detail += &hint;
        }
        diags.error(path, summary, detail);
    }
}

/// One unit of work.
pub struct Step<'a, E> {
    pub id: String,
    pub after: Vec<String>,
    run: Box<dyn FnOnce() -> BoxFuture<'a, Result<(), E>> + Send + 'a>,
}

impl<'a, E> Step<'a, E> {
    pub fn new<F>(id: impl Into<String>, after: &[&str], run: F) -> Self
    where
        F: FnOnce() -> BoxFuture<'a, Result<(), E>> + Send + 'a,
    {
        Step {
            id: id.into(),
            after: after.iter().map(|s| s.to_string()).collect(),
            run: Box::new(run),
        }
    }
}

/// The steps finished so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: BTreeSet<String>,
}

/// How a run ended when a step failed.
#[derive(Debug)]
pub struct Stopped<E> {
    pub failed: Vec<(String, E)>,
    /// Steps that never started because something they depend on failed.
    pub not_started: Vec<String>,
    pub progress: Progress,
    /// Terraform asked the provider to stop ([`crate::stop`]): no step started after that.
    pub interrupted: bool,
}

impl<E: fmt::Display> fmt::Display for Stopped<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ended, before) = if self.interrupted {
            writeln!(f, "Terraform asked the provider to stop (interrupt).")?;
            ("stopped", "the stop")
        } else {
            ("failed", "the failure")
        };
        for (id, e) in &self.failed {
            writeln!(f, "step {id:?} {ended}: {e}")?;
        }
        if !self.progress.done.is_empty() {
            let done: Vec<&str> = self.progress.done.iter().map(String::as_str).collect();
            writeln!(f, "finished before {before}: {}", done.join(", "))?;
        }
        if !self.not_started.is_empty() {
            writeln!(f, "not started: {}", self.not_started.join(", "))?;
        }
        if self.interrupted {
            write!(
                f,
                "What exists is recorded in state: a destroy removes it, and the next apply converges."
            )
        } else {
            write!(
                f,
                "Running the same command again continues from the failed step."
            )
        }
    }
}

/// Runs `steps`, skipping those already in `progress`. On success returns the final progress.
pub async fn run<E>(
    steps: Vec<Step<'_, E>>,
    mut progress: Progress,
) -> Result<Progress, Stopped<E>> {
    let known: BTreeSet<String> = steps.iter().map(|s| s.id.clone()).collect();
    let mut pending: Vec<Step<'_, E>> = Vec::new();
    for s in steps {
        if !progress.done.contains(&s.id) {
            pending.push(s);
        }
    }
    let mut running = FuturesUnordered::new();
    let mut failed = Vec::new();
    loop {
        if failed.is_empty() && !crate::stop::requested() {
            let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|s| {
                s.after
                    .iter()
                    .all(|d| progress.done.contains(d) || !known.contains(d))
            });
            pending = waiting;
            for s in ready {
                let id = s.id.clone();
                tracing::debug!(step = %id, "step started");
                let fut = (s.run)();
                running.push(async move { (id, fut.await) });
            }
        }
        match running.next().await {
            Some((id, Ok(()))) => {
                tracing::debug!(step = %id, "step finished");
                progress.done.insert(id);
            }
            Some((id, Err(e))) => {
                tracing::warn!(step = %id, "step failed");
                failed.push((id, e));
            }
            None => break,
        }
    }
    if failed.is_empty() && pending.is_empty() {
        return Ok(progress);
    }
    Err(Stopped {
        failed,
        not_started: pending.into_iter().map(|s| s.id).collect(),
        progress,
        interrupted: crate::stop::requested(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tokio::time::Instant;

    type Log = Arc<Mutex<Vec<(String, Duration)>>>;

    fn step<'a>(
        log: &Log,
        start: Instant,
        id: &str,
        after: &[&str],
        secs: u64,
        fail: bool,
    ) -> Step<'a, String> {
        let log = log.clone();
        let name = id.to_string();
        Step::new(id, after, move || {
            async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                log.lock().unwrap().push((name.clone(), start.elapsed()));
                if fail {
                    Err(format!("{name} broke"))
                } else {
                    Ok(())
                }
            }
            .boxed()
        })
    }

    #[tokio::test(start_paused = true)]
    async fn independent_steps_run_in_parallel_and_order_is_kept() {
        let log: Log = Default::default();
        let t0 = Instant::now();
        let steps = vec![
            step(&log, t0, "primary-bucket", &[], 10, false),
            step(&log, t0, "secondary-bucket", &[], 10, false),
            step(
                &log,
                t0,
                "replication",
                &["primary-bucket", "secondary-bucket"],
                5,
                false,
            ),
        ];
        let p = run(steps, Progress::default()).await.unwrap();
        assert_eq!(p.done.len(), 3);
        assert_eq!(
            t0.elapsed(),
            Duration::from_secs(15),
            "two regions in parallel, then the link"
        );
        let log = log.lock().unwrap();
        assert_eq!(log.last().unwrap().0, "replication");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_stops_dependents_and_resuming_skips_finished_steps() {
        let log: Log = Default::default();
        let t0 = Instant::now();
        let steps = vec![
            step(&log, t0, "a", &[], 1, false),
            step(&log, t0, "b", &["a"], 1, true),
            step(&log, t0, "c", &["b"], 1, false),
            step(&log, t0, "d", &[], 3, false),
        ];
        let stopped = run(steps, Progress::default()).await.unwrap_err();
        assert_eq!(stopped.failed[0].0, "b");
        assert_eq!(stopped.not_started, vec!["c".to_string()]);
        assert!(stopped.progress.done.contains("a") && stopped.progress.done.contains("d"));
        assert!(stopped
            .to_string()
            .contains("continues from the failed step"));

        log.lock().unwrap().clear();
        let steps = vec![
            step(&log, t0, "a", &[], 1, false),
            step(&log, t0, "b", &["a"], 1, false),
            step(&log, t0, "c", &["b"], 1, false),
            step(&log, t0, "d", &[], 3, false),
        ];
        let done = run(steps, stopped.progress).await.unwrap();
        assert_eq!(done.done.len(), 4);
        let ran: Vec<String> = log.lock().unwrap().iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(ran, vec!["b", "c"], "finished steps are not repeated");
    }

    /// Issue 12: after a stop no step starts; the report says it was stopped and where.
    #[tokio::test(start_paused = true)]
    async fn a_stop_starts_no_further_step() {
        let log: Log = Default::default();
        let t0 = Instant::now();
        let signal = crate::stop::Signal::new();
        let stopper = signal.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            stopper.cancel();
        });
        let steps = vec![
            step(&log, t0, "a", &[], 1, false),
            step(&log, t0, "b", &["a"], 5, false),
            step(&log, t0, "c", &["b"], 1, false),
        ];
        let stopped = crate::stop::scope(signal, run(steps, Progress::default()))
            .await
            .unwrap_err();
        assert!(stopped.interrupted);
        assert_eq!(stopped.not_started, vec!["c".to_string()]);
        let text = stopped.to_string();
        assert!(
            text.contains("asked the provider to stop")
                && text.contains("finished before the stop: a, b")
                && text.contains("not started: c")
                && text.contains("recorded in state"),
            "{text}"
        );
    }

    /// Issue 23: an AWS error raised inside a step keeps its type to the report, which renders it
    /// once with the hint its kind calls for (once, however many steps failed that way).
    #[tokio::test]
    async fn a_step_failure_keeps_the_aws_error_and_its_hint() {
        let throttled = || {
            let mut e = AwsError::synthetic("DescribeDBClusters", "ThrottlingException");
            e.region = Some("eu-west-1".into());
            e.message = "Rate exceeded".into();
            e
        };
        let failing = |id: &str| {
            let e = throttled();
            Step::new(id, &[], move || {
                async move { Err(Failure::from(e)) }.boxed()
            })
        };
        let mut diags = Diagnostics::default();
        run_reporting(
            vec![failing("primary"), failing("secondary")],
            "apply global database g".into(),
            &mut diags,
        )
        .await;
        let d = &diags.0[0];
        assert_eq!(d.summary, "Failed to apply global database g");
        assert!(
            d.detail.contains(
                "step \"primary\" failed: DescribeDBClusters in eu-west-1: ThrottlingException: Rate exceeded"
            ),
            "{}",
            d.detail
        );
        assert_eq!(
            d.detail
                .matches("raise the provider's max_attempts")
                .count(),
            1,
            "{}",
            d.detail
        );
    }
}
