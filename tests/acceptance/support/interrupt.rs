//! Patterns the fault and interruption scenarios share: putting a slow, flaky AWS between the
//! provider and the sandbox, killing a terraform run (with its provider) in the middle of real
//! work, pressing Ctrl-C as a person does, and telling Terraform's own crash from the provider's
//! failure.

use std::future::Future;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use trdr_testing::proxy::{Faults, Proxy};

use super::terraform::{kill_group, signal_group};
use super::Workspace;

impl Workspace {
    /// Sends the provider's AWS calls through a proxy with `faults`; the test's own SDK checks
    /// still go straight to the sandbox. `None` against a real account (no proxy there). Keep
    /// the proxy alive as long as the provider should use it.
    pub async fn through_proxy(&mut self, faults: Faults) -> Option<Proxy> {
        let upstream = self.endpoint.clone()?;
        let proxy = Proxy::start(&upstream, faults)
            .await
            .expect("the proxy starts");
        self.provider_endpoint = Some(proxy.url());
        Some(proxy)
    }

    /// Only latency, so interrupts land inside real work.
    pub async fn through_latency(&mut self, latency: Duration) -> Option<Proxy> {
        self.through_proxy(Faults {
            latency,
            ..Faults::default()
        })
        .await
    }

    /// Runs `terraform args` and, once `reached` holds (or `within` passed), freezes it and its
    /// provider (SIGSTOP), asks `mid_way` whether the run is really in the middle of its work,
    /// and kills them together (SIGKILL to the group), as a crash would. True when it was.
    pub async fn interrupt<R, RF, M, MF>(
        &self,
        args: &[&str],
        within: Duration,
        mut reached: R,
        mut mid_way: M,
    ) -> bool
    where
        R: FnMut() -> RF,
        RF: Future<Output = bool>,
        M: FnMut() -> MF,
        MF: Future<Output = bool>,
    {
        let mut child = self.spawn(args);
        let start = Instant::now();
        while start.elapsed() < within && child.try_wait().unwrap().is_none() {
            if reached().await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        signal_group(&child, libc::SIGSTOP);
        let running = child.try_wait().unwrap().is_none();
        let interrupted = running && mid_way().await;
        kill_group(&mut child);
        interrupted
    }

    /// [`Workspace::interrupt`] up to `attempts` times, calling `reset` after an attempt that
    /// did not land mid-way; true once one did.
    pub async fn interrupt_mid_way<R, RF, M, MF>(
        &self,
        attempts: u32,
        args: &[&str],
        within: Duration,
        mut reached: R,
        mut mid_way: M,
        reset: impl Fn(&Workspace),
    ) -> bool
    where
        R: FnMut() -> RF,
        RF: Future<Output = bool>,
        M: FnMut() -> MF,
        MF: Future<Output = bool>,
    {
        for _ in 0..attempts {
            if self
                .interrupt(args, within, &mut reached, &mut mid_way)
                .await
            {
                return true;
            }
            reset(self);
        }
        false
    }
}

/// Ctrl-C as a terminal sends it: SIGINT to `child`'s whole process group (terraform and the
/// provider it started), then terraform's exit status once it exits; whatever is left of the
/// group then (a provider that Terraform crashing left behind) is killed. A run still going
/// `within` after the signal is killed and fails the test: it does not stop.
pub async fn ctrl_c(mut child: Child, within: Duration) -> ExitStatus {
    signal_group(&child, libc::SIGINT);
    let signalled = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("terraform's status") {
            signal_group(&child, libc::SIGKILL);
            return status;
        }
        if signalled.elapsed() > within {
            kill_group(&mut child);
            panic!("terraform did not exit within {within:?} of Ctrl-C: it does not stop");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The banner Terraform prints when it panics (its `internal/logging/panic.go`), before the
/// panic's own line and stack.
pub const TERRAFORM_CRASHED: &str =
    "Terraform crashed! This is always indicative of a bug within Terraform.";

/// Terraform 1.15.5's own bug when interrupted during an action: its graph walk panics in the
/// action's progress loop (`nodeActionTriggerApplyInstance.Execute`), a Go range-over-func body
/// called again after it returned false. No provider change can avoid it.
pub const ACTION_INTERRUPT_PANIC: &str =
    "panic: runtime error: range function continued iteration after function for loop body returned false";

/// Whether `output` (a run's output and errors) is Terraform crashing with exactly `panic`: its
/// crash banner, and `panic` as a line of its own. Any other crash, and any other failure, is not.
pub fn terraform_crashed_with(output: &str, panic: &str) -> bool {
    output.contains(TERRAFORM_CRASHED) && output.lines().any(|line| line.trim() == panic)
}

/// Says on stderr, where nobody misses it (libtest captures `eprintln!` and shows it only for a
/// failed test), that the running test runs its scenario again: `RETRY <test>: <reason>`. A retry is not a skip:
/// the attempt that counts checks everything.
pub fn retry_note(reason: &str) {
    use std::io::Write;
    let current = std::thread::current();
    let test = current.name().unwrap_or("<unnamed test>");
    let _ = std::io::stderr().write_all(format!("RETRY {test}: {reason}\n").as_bytes());
}
