//! Two patterns the fault scenarios share: putting a slow, flaky AWS between the provider and the
//! sandbox, and killing a terraform run (with its provider) in the middle of real work.

use std::future::Future;
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
