//! Ctrl-C. When a user interrupts `terraform apply`, Terraform sends `StopProvider` and waits for
//! the calls in flight to return before it writes state and exits. trdr's calls wait for AWS for
//! minutes (an Aurora cluster), so they must notice the stop and return within seconds, with what
//! exists recorded.
//!
//! Three layers make that so:
//! - [`Gate`], an interceptor on every AWS client, refuses to start a call (or a retry) once the
//!   stop is requested: after a stop, trdr makes no call to AWS.
//! - Waits ([`crate::waiter`]) and step runs ([`crate::steps`]) look at [`requested`] and wake on
//!   [`cancelled`], so a stop ends a pause between polls at once and starts no further step.
//! - [`bounded`] gives an operation [`GRACE`] to wind down after the stop, then abandons it (a
//!   request in flight is dropped), so an endpoint that does not answer cannot hold Terraform.
//!
//! The signal reaches code through a task-local set by the protocol layer for each call
//! ([`scope`]), as the operation's deadline does; outside a scope nothing is ever stopped.

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
pub use tokio_util::sync::CancellationToken as Signal;

/// How long an operation may take to return after the stop before it is abandoned.
pub const GRACE: Duration = Duration::from_secs(5);

tokio::task_local! {
    static STOP: Signal;
}

/// Runs `f` (one provider call) so that the code inside sees `signal`.
pub async fn scope<F: Future>(signal: Signal, f: F) -> F::Output {
    STOP.scope(signal, f).await
}

/// Whether Terraform has asked the provider to stop.
pub fn requested() -> bool {
    STOP.try_with(Signal::is_cancelled).unwrap_or(false)
}

/// Completes when Terraform asks the provider to stop; never outside a [`scope`].
pub async fn cancelled() {
    match STOP.try_with(Signal::clone) {
        Ok(signal) => signal.cancelled_owned().await,
        Err(_) => std::future::pending().await,
    }
}

/// Runs `f` until it returns, or until [`GRACE`] after the stop; `None` when it was abandoned.
pub async fn bounded<F: Future>(f: F) -> Option<F::Output> {
    let abandon = async {
        cancelled().await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::select! {
        out = f => Some(out),
        () = abandon => {
            tracing::warn!(grace_s = GRACE.as_secs(), "stopped: the call did not return in time and was abandoned");
            None
        }
    }
}

/// What an AWS call refused by [`Gate`] fails with.
#[derive(Debug, thiserror::Error)]
#[error("not started: Terraform asked the provider to stop (interrupt)")]
pub struct Refused;

/// Whether `err`, or an error it was caused by, is [`Refused`].
pub fn refused(err: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(err), |e| e.source()).any(|e| e.is::<Refused>())
}

/// The interceptor on every AWS client: no call, and no retry of one, starts after the stop.
#[derive(Debug)]
pub struct Gate(pub Signal);

impl Gate {
    fn check(&self) -> Result<(), BoxError> {
        if self.0.is_cancelled() {
            Err(Box::new(Refused))
        } else {
            Ok(())
        }
    }
}

impl Intercept for Gate {
    fn name(&self) -> &'static str {
        "trdr::stop::Gate"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.check()
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn nothing_is_stopped_outside_a_scope() {
        assert!(!requested());
        let out = bounded(async { 7 }).await;
        assert_eq!(out, Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_ignores_the_stop_is_abandoned_after_the_grace() {
        let signal = Signal::new();
        let stopper = signal.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            stopper.cancel();
        });
        let start = Instant::now();
        let out = scope(
            signal,
            bounded(tokio::time::sleep(Duration::from_secs(3600))),
        )
        .await;
        assert!(out.is_none());
        assert_eq!(start.elapsed(), Duration::from_secs(30) + GRACE);
    }

    /// The gate works inside the SDK: a call made after the stop fails with [`Refused`] in its
    /// error's sources, without a request (the endpoint is a closed port).
    #[tokio::test]
    async fn the_gate_refuses_calls_after_the_stop() {
        let signal = Signal::new();
        let conf = aws_sdk_sfn::Config::builder()
            .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
            .region(aws_sdk_sfn::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_sfn::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .interceptor(Gate(signal.clone()))
            .build();
        let client = aws_sdk_sfn::Client::from_conf(conf);
        signal.cancel();
        let err = client.list_state_machines().send().await.unwrap_err();
        assert!(refused(&err), "{err:?}");
        let err = crate::aws::errors::AwsError::from_sdk("ListStateMachines", None, err);
        assert!(err.is(crate::aws::errors::ErrorKind::Stopped), "{err:?}");
    }
}
