//! trdr's share of AWS's API rate limits, so that parallel resources slow each other down
//! gracefully instead of being throttled — and leave room for everything else the account runs.
//!
//! AWS throttles per account (and, for most services, per region) with token buckets that every
//! tool of the account shares: the console, monitoring, other Terraform runs. Each provider
//! process keeps its own buckets, a stated share ([`DEFAULT_SHARE`], the provider's
//! `api_budget_share`) of the documented ones, and every attempt of every call — a poll of a
//! wait, a retry — takes a token before it is sent. A call that finds its bucket empty waits for
//! the next token instead of being sent and throttled; calls queue in the order they asked.
//!
//! The buckets sit in the HTTP connector each client sends through, so nothing that talks to AWS
//! goes around them.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::time::Instant;

/// The share of each documented limit one provider process uses by default.
pub const DEFAULT_SHARE: f64 = 0.5;

/// A documented (or, where the service documents none that binds, our own) token bucket: its
/// capacity (the burst) and its refill per second (the sustained rate).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub burst: f64,
    pub per_second: f64,
}

/// The limits trdr budgets against, for the whole account, and where AWS states them.
///
/// - RDS: "By default, you can make up to 300 requests in a burst and a sustained 12 requests
///   per second", per account and region, for every RDS API operation together (Amazon RDS User
///   Guide, "Request throttling for the Amazon RDS API").
/// - Route 53 is global: one account-wide bucket of 50 refilled at 10 per second, and each
///   operation a bucket of its own, 50 / 10 unless listed: `CreateHealthCheck` 50 / 0.5,
///   `DeleteHealthCheck` 15 / 3, `GetHealthCheckStatus` 4 / 1 (Route 53 Developer Guide,
///   "Throttling for Amazon Route 53 API requests", after its throttling update).
/// - DynamoDB's control plane (`DescribeTable`, `UpdateTable`, tags, backups): 2,500 requests per
///   second (DynamoDB Developer Guide, "Best practices for managing the control plane").
/// - S3: at least 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests per second per
///   partitioned prefix (S3 User Guide, "Best practices design patterns: optimizing Amazon S3
///   performance"); trdr budgets 3,500 for both, per region.
/// - Secrets Manager: 50 per second for its write operations (`CreateSecret`, `PutSecretValue`,
///   `ReplicateSecretToRegions`; Secrets Manager quotas), its reads far more; trdr budgets 50.
/// - Step Functions, CloudWatch, EventBridge Scheduler, EventBridge and STS document buckets per
///   operation that trdr's usage (a few calls per environment) does not approach; trdr caps each
///   at 50 / 10 per region of its own accord, so a runaway loop cannot flood them either.
pub fn documented(service: &str) -> Limit {
    let limit = |burst, per_second| Limit { burst, per_second };
    match service {
        "rds" => limit(300.0, 12.0),
        "route53" => limit(50.0, 10.0),
        "dynamodb" => limit(2500.0, 2500.0),
        "s3" => limit(3500.0, 3500.0),
        "secretsmanager" => limit(50.0, 50.0),
        _ => limit(50.0, 10.0),
    }
}

/// Route 53's operations with a bucket smaller than the account's, by the request that calls
/// them (a REST API: the method and path say which operation it is).
fn route53_operation(req: &HttpRequest) -> Option<(&'static str, Limit)> {
    let path = req.uri().split('?').next().unwrap_or_default();
    let tail = path.split("/healthcheck").nth(1)?;
    let method = req.method();
    let limit = |burst, per_second| Limit { burst, per_second };
    match (method, tail) {
        ("POST", "" | "/") => Some(("CreateHealthCheck", limit(50.0, 0.5))),
        ("DELETE", _) => Some(("DeleteHealthCheck", limit(15.0, 3.0))),
        ("GET", t) if t.ends_with("/status") => Some(("GetHealthCheckStatus", limit(4.0, 1.0))),
        _ => None,
    }
}

/// One token bucket. Reserving takes a token now or, when none is left, the next one to come:
/// the bucket goes below zero and the caller waits until its token has been refilled, so callers
/// are served in the order they asked and the rate never exceeds the refill.
pub struct Bucket {
    pub name: String,
    limit: Limit,
    state: Mutex<(f64, Instant)>,
}

impl fmt::Debug for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bucket")
            .field("name", &self.name)
            .field("limit", &self.limit)
            .finish()
    }
}

impl Bucket {
    pub fn new(name: impl Into<String>, limit: Limit) -> Self {
        Bucket {
            name: name.into(),
            limit,
            state: Mutex::new((limit.burst, Instant::now())),
        }
    }

    /// Takes a token: how long the caller must wait before it may send.
    pub fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let refilled = (now - s.1).as_secs_f64() * self.limit.per_second;
        s.0 = (s.0 + refilled).min(self.limit.burst) - 1.0;
        s.1 = now;
        if s.0 >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-s.0 / self.limit.per_second)
        }
    }
}

/// Every bucket of one provider process, by name (`rds/us-east-1`, `route53`,
/// `route53/CreateHealthCheck`), made on first use at `share` of the limits above.
pub struct Budget {
    share: f64,
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
    /// Terraform's stop: it ends a wait for a token, and the call is then not sent.
    stop: crate::stop::Signal,
}

impl Budget {
    pub fn new(share: f64, stop: crate::stop::Signal) -> Arc<Self> {
        Arc::new(Budget {
            share,
            buckets: Mutex::new(HashMap::new()),
            stop,
        })
    }

    fn bucket(&self, name: String, limit: Limit) -> Arc<Bucket> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(name.clone())
            .or_insert_with(|| {
                let ours = Limit {
                    burst: (limit.burst * self.share).max(1.0),
                    per_second: limit.per_second * self.share,
                };
                Arc::new(Bucket::new(name, ours))
            })
            .clone()
    }

    /// The HTTP client for `service`'s client in `region`: `inner`, with every attempt taking
    /// its tokens first.
    pub fn client(
        self: &Arc<Self>,
        inner: SharedHttpClient,
        service: &'static str,
        region: &str,
    ) -> SharedHttpClient {
        let key = if service == "route53" {
            "route53".to_string()
        } else {
            format!("{service}/{region}")
        };
        SharedHttpClient::new(Budgeted {
            inner,
            budget: self.clone(),
            service,
            bucket: self.bucket(key, documented(service)),
        })
    }

    /// The time a call must wait for all its buckets (the service's and, for Route 53, the
    /// operation's): every bucket takes its token, and the longest wait is the call's.
    /// Returns the wait and the bucket that sets it.
    fn reserve(
        &self,
        service: &str,
        main: &Arc<Bucket>,
        req: &HttpRequest,
    ) -> (Duration, Arc<Bucket>) {
        let mut wait = (main.reserve(), main.clone());
        if service == "route53" {
            if let Some((op, limit)) = route53_operation(req) {
                let b = self.bucket(format!("route53/{op}"), limit);
                let w = b.reserve();
                if w > wait.0 {
                    wait = (w, b);
                }
            }
        }
        wait
    }
}

#[derive(Clone)]
struct Budgeted {
    inner: SharedHttpClient,
    budget: Arc<Budget>,
    service: &'static str,
    bucket: Arc<Bucket>,
}

impl fmt::Debug for Budgeted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budgeted")
            .field("bucket", &self.bucket)
            .finish()
    }
}

impl HttpClient for Budgeted {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BudgetedConnector {
            inner: self.inner.http_connector(settings, components),
            on: self.clone(),
        })
    }
}

#[derive(Debug)]
struct BudgetedConnector {
    inner: SharedHttpConnector,
    on: Budgeted,
}

impl HttpConnector for BudgetedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let budget = &self.on.budget;
        let (wait, bucket) = budget.reserve(self.on.service, &self.on.bucket, &request);
        let inner = self.inner.clone();
        let stop = budget.stop.clone();
        HttpConnectorFuture::new(async move {
            if !wait.is_zero() {
                tracing::debug!(bucket = %bucket.name, wait_ms = wait.as_millis() as u64, "waiting for the API budget");
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = stop.cancelled() => {}
                }
            }
            // A call that waited past Terraform's stop is not sent (the stop gate let it through
            // before its wait began).
            if stop.is_cancelled() {
                return Err(ConnectorError::other(Box::new(crate::stop::Refused), None));
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst goes at once; past it, calls are spaced by the refill, in order.
    #[tokio::test(start_paused = true)]
    async fn a_bucket_spaces_calls_past_its_burst_at_the_refill_rate() {
        let b = Bucket::new(
            "rds/us-east-1",
            Limit {
                burst: 3.0,
                per_second: 2.0,
            },
        );
        let waits: Vec<Duration> = (0..6).map(|_| b.reserve()).collect();
        assert_eq!(&waits[..3], &[Duration::ZERO; 3]);
        assert_eq!(waits[3], Duration::from_millis(500));
        assert_eq!(waits[4], Duration::from_secs(1));
        assert_eq!(waits[5], Duration::from_millis(1500));
        // After a quiet spell the bucket is full again, never more than its capacity.
        tokio::time::advance(Duration::from_secs(60)).await;
        let again: Vec<Duration> = (0..4).map(|_| b.reserve()).collect();
        assert_eq!(&again[..3], &[Duration::ZERO; 3]);
        assert!(again[3] > Duration::ZERO);
    }

    /// Sustained use never exceeds the refill: 1,000 calls at RDS's documented 12/s take 1,000/12
    /// seconds less the burst, at half the budget twice that.
    #[tokio::test(start_paused = true)]
    async fn sustained_calls_stay_within_the_share_of_the_documented_rate() {
        let budget = Budget::new(DEFAULT_SHARE, crate::stop::Signal::new());
        let b = budget.bucket("rds/us-east-1".into(), documented("rds"));
        let mut last = Duration::ZERO;
        for _ in 0..1000 {
            last = b.reserve();
        }
        // 150 tokens of burst (half of 300), then 6 per second.
        let expected = (1000.0 - 150.0) / 6.0;
        assert!((last.as_secs_f64() - expected).abs() < 0.5, "{last:?}");
    }

    /// A call queued for its token when Terraform asks the provider to stop is not sent: the
    /// wait ends at once and the call fails as refused by the stop.
    #[tokio::test(start_paused = true)]
    async fn a_stop_during_the_wait_sends_nothing() {
        use std::sync::atomic::{AtomicU32, Ordering};

        #[derive(Debug)]
        struct Counting(Arc<AtomicU32>);
        impl HttpConnector for Counting {
            fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
                self.0.fetch_add(1, Ordering::SeqCst);
                HttpConnectorFuture::ready(Ok(
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
                        200.try_into().unwrap(),
                        aws_smithy_types::body::SdkBody::empty(),
                    ),
                ))
            }
        }
        #[derive(Debug)]
        struct Unused;
        impl HttpClient for Unused {
            fn http_connector(
                &self,
                _: &HttpConnectorSettings,
                _: &RuntimeComponents,
            ) -> SharedHttpConnector {
                unreachable!()
            }
        }

        let stop = crate::stop::Signal::new();
        let budget = Budget::new(0.01, stop.clone());
        let sent = Arc::new(AtomicU32::new(0));
        let connector = BudgetedConnector {
            inner: SharedHttpConnector::new(Counting(sent.clone())),
            on: Budgeted {
                inner: SharedHttpClient::new(Unused),
                budget: budget.clone(),
                service: "rds",
                bucket: budget.bucket("rds/us-east-1".into(), documented("rds")),
            },
        };
        // RDS at 1 %: a burst of 3, then one call every 8.3 s.
        for _ in 0..3 {
            connector.call(HttpRequest::empty()).await.unwrap();
        }
        assert_eq!(sent.load(Ordering::SeqCst), 3);
        let queued = tokio::spawn(connector.call(HttpRequest::empty()));
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.cancel();
        let err = queued.await.unwrap().unwrap_err();
        assert!(crate::stop::refused(&err), "{err:?}");
        assert_eq!(
            sent.load(Ordering::SeqCst),
            3,
            "nothing sent after the stop"
        );
    }
}
