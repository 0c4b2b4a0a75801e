//! A service that stopped answering in a region is not called again for a while.
//!
//! During a region's outage every call there fails only after all of its attempts (`max_attempts`,
//! with backoff; on AWS an attempt may also wait out the connect timeout). A refresh reads one
//! resource after another, so each would pay that again: minutes of a plan spent learning the
//! same thing. [`Gate`], an interceptor on every regional client, counts the attempts to its
//! service and region that failed as an outage does — no connection, a timeout, or HTTP 5xx —
//! with none answering in between. Once as many failed in a row as one call may make, the
//! service in that region is *unanswered* for [`HOLD`]: new calls and retries fail at once with
//! [`Unanswered`] (no request is sent), which [`crate::aws::errors::AwsError`] reports as the
//! same kind of failure, so a refresh keeps the last known state as it would have anyway. After
//! the hold the next call goes out again; any answer at all (even a refusal) clears the count.
//!
//! Per service and region, as AWS's outages usually are: RDS in us-east-1 failing does not stop
//! DynamoDB there, nor anything in the other region. Per provider process (one Terraform
//! command), like the clients.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use tokio::time::Instant;

/// How long a service that stopped answering is left alone before a call tries it again.
pub const HOLD: Duration = Duration::from_secs(60);

/// How an attempt failed, as far as [`Gate`] is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer: the connection failed or an attempt timed out.
    NoAnswer,
    /// HTTP 5xx: the service failed on its side.
    ServerError,
}

#[derive(Debug, Default)]
struct Seen {
    failed_in_a_row: u32,
    last: Option<(Failure, String)>,
    until: Option<Instant>,
}

/// What a call refused by [`Gate`] fails with.
#[derive(Clone, Debug, thiserror::Error)]
#[error("not sent: the last {attempts} attempts to reach {service} in {region} failed ({why}); trdr sends it nothing for another {}s", .left.as_secs().max(1))]
pub struct Unanswered {
    pub service: &'static str,
    pub region: String,
    pub failure: Failure,
    why: String,
    attempts: u32,
    left: Duration,
}

/// The interceptor on every regional client, one per service and region (each region's clients
/// are built once): counts its attempts' outcomes, and sends nothing while its service in its
/// region is unanswered. Clones share the count.
#[derive(Clone, Debug)]
pub struct Gate {
    service: &'static str,
    region: String,
    /// Failed attempts in a row that make the service unanswered: the attempts of one call.
    threshold: u32,
    seen: Arc<Mutex<Seen>>,
}

impl Gate {
    pub fn new(service: &'static str, region: &str, attempts_per_call: u32) -> Self {
        Gate {
            service,
            region: region.to_string(),
            threshold: attempts_per_call.max(2),
            seen: Arc::default(),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An attempt got an answer: the service is there.
    fn answered(&self) {
        *self.seen() = Seen::default();
    }

    /// An attempt failed as an outage does (`why`: what it got, for the refusals' message).
    fn failed(&self, failure: Failure, why: String) {
        let mut s = self.seen();
        s.failed_in_a_row += 1;
        s.last = Some((failure, why));
        if s.failed_in_a_row >= self.threshold && s.until.is_none_or(|u| u <= Instant::now()) {
            s.until = Some(Instant::now() + HOLD);
            tracing::warn!(
                service = self.service,
                region = self.region,
                attempts = s.failed_in_a_row,
                hold_s = HOLD.as_secs(),
                "stopped answering: no further call to it for the hold"
            );
        }
    }

    /// Why a call must not be sent now, if it must not.
    pub fn refusal(&self) -> Option<Unanswered> {
        let s = self.seen();
        let until = s.until.filter(|u| *u > Instant::now())?;
        let (failure, why) = s.last.clone()?;
        Some(Unanswered {
            service: self.service,
            region: self.region.clone(),
            failure,
            why,
            attempts: s.failed_in_a_row,
            left: until - Instant::now(),
        })
    }

    fn check(&self) -> Result<(), BoxError> {
        match self.refusal() {
            Some(u) => Err(Box::new(u)),
            None => Ok(()),
        }
    }
}

impl Intercept for Gate {
    fn name(&self) -> &'static str {
        "trdr::aws::outage::Gate"
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

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let status = context.response().map(|r| r.status().as_u16());
        // S3 throttles with 503 `SlowDown`: an answer, not an outage.
        let slow_down = context
            .response()
            .and_then(|r| r.body().bytes())
            .is_some_and(|b| b.windows(8).any(|w| w == b"SlowDown"));
        match (status, context.output_or_error()) {
            (Some(s), _) if s >= 500 && !slow_down => {
                self.failed(Failure::ServerError, format!("HTTP {s}"))
            }
            (Some(_), _) => self.answered(),
            (None, Some(Err(e))) if e.is_timeout_error() || e.is_connector_error() => {
                let what = if e.is_timeout_error() {
                    "timed out"
                } else {
                    "no connection"
                };
                self.failed(Failure::NoAnswer, what.into());
            }
            // Not sent (this gate, the stop) or not an attempt's answer: says nothing.
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::errors::{cause, AwsError, ErrorKind};

    fn client(gate: &Gate, attempts: u32) -> aws_sdk_sfn::Client {
        let conf = aws_sdk_sfn::Config::builder()
            .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
            .region(aws_sdk_sfn::config::Region::new("us-east-1"))
            // A closed port: every attempt fails to connect.
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(aws_sdk_sfn::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config(
                aws_sdk_sfn::config::retry::RetryConfig::standard()
                    .with_max_attempts(attempts)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .interceptor(gate.clone())
            .build();
        aws_sdk_sfn::Client::from_conf(conf)
    }

    /// Inside the SDK: a call's attempts that all fail to connect make the service unanswered;
    /// the next call fails at once with [`Unanswered`], as the same kind of failure.
    #[tokio::test]
    async fn a_service_that_never_answers_is_not_called_again_for_the_hold() {
        let gate = Gate::new("sfn", "us-east-1", 3);
        let sfn = client(&gate, 3);
        let first = sfn.list_state_machines().send().await.unwrap_err();
        assert!(cause::<Unanswered>(&first).is_none(), "{first:?}");
        let first = AwsError::from_sdk("ListStateMachines", Some("us-east-1".into()), first);
        assert!(first.is(ErrorKind::Transport), "{first:?}");

        let second = sfn.list_state_machines().send().await.unwrap_err();
        let u = cause::<Unanswered>(&second).expect("refused without a request");
        assert_eq!((u.service, u.region.as_str()), ("sfn", "us-east-1"));
        let second = AwsError::from_sdk("ListStateMachines", Some("us-east-1".into()), second);
        assert!(
            second.is(ErrorKind::Transport) && second.is_outage(),
            "{second:?}"
        );
        assert!(second.message.contains("not sent"), "{second}");
        assert!(gate.refusal().is_some());
        // Other services and regions have gates of their own, with counts of their own.
        assert!(Gate::new("rds", "us-east-1", 3).refusal().is_none());
        assert!(Gate::new("sfn", "us-east-2", 3).refusal().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_clears_the_count_and_the_hold_ends() {
        let gate = Gate::new("rds", "us-east-1", 3);
        let fail = || gate.failed(Failure::ServerError, "HTTP 503".into());
        fail();
        fail();
        gate.answered();
        fail();
        fail();
        assert!(gate.refusal().is_none(), "an answer came between");
        fail();
        let u = gate.refusal().expect("three in a row");
        assert_eq!(u.failure, Failure::ServerError);
        tokio::time::advance(HOLD).await;
        assert!(gate.refusal().is_none(), "the hold ended");
        // The next failure after the hold holds again at once: the count did not clear.
        fail();
        assert!(gate.refusal().is_some());
        gate.answered();
        assert!(gate.refusal().is_none());
    }
}
