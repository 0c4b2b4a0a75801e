//! A loopback HTTP/1.1 proxy between the provider and the sandbox: "a slow, flaky AWS", on
//! hyper.
//!
//! It adds latency to every call, injects faults at given rates — throttling and other 5xx, each
//! in the shape of the call's own protocol ([`crate::protocol`]), dropped connections — and
//! counts calls per service and action. Only loopback upstreams are accepted.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::Rng;
use serde::Serialize;
use tokio::net::TcpListener;

use crate::protocol::{self, Protocol};

/// Fault rates are probabilities per call, checked in this order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    pub latency: Duration,
    pub throttle: f64,
    pub server_error: f64,
    pub drop: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// `service:Action` → calls seen (faulted ones included).
    pub calls: BTreeMap<String, u64>,
    pub throttled: u64,
    pub server_errors: u64,
    pub dropped: u64,
    pub forwarded: u64,
    /// Every call as `[start_ms, end_ms]` since the proxy started (latency included), for
    /// critical-path analysis.
    pub timeline: Vec<(f64, f64)>,
}

impl Stats {
    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }

    /// The longest chain of calls in which each starts after the previous one ended: the calls
    /// that were, as executed, strictly sequential.
    pub fn longest_sequential_chain(&self) -> usize {
        let mut calls = self.timeline.clone();
        calls.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut best: Vec<usize> = Vec::with_capacity(calls.len());
        for (i, (start, _)) in calls.iter().enumerate() {
            let prev = (0..i)
                .filter(|&j| calls[j].1 <= *start)
                .map(|j| best[j])
                .max()
                .unwrap_or(0);
            best.push(prev + 1);
        }
        best.into_iter().max().unwrap_or(0)
    }

    /// Calls per service.
    pub fn by_service(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for (k, v) in &self.calls {
            *m.entry(k.split(':').next().unwrap_or_default().to_string())
                .or_default() += v;
        }
        m
    }
}

struct Shared {
    started: std::time::Instant,
    upstream: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
    faults: Mutex<Faults>,
    stats: Mutex<Stats>,
    connections: AtomicU64,
}

/// A running proxy; dropping it stops it.
pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("upstream {0} is not a loopback http:// address")]
    NotLoopback(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Proxy {
    pub async fn start(upstream: &str, faults: Faults) -> Result<Self, ProxyError> {
        let target: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .map_err(|_| ProxyError::NotLoopback(upstream.to_string()))?;
        if !target.ip().is_loopback() {
            return Err(ProxyError::NotLoopback(upstream.to_string()));
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            started: std::time::Instant::now(),
            upstream: target,
            client: Client::builder(TokioExecutor::new()).build_http(),
            faults: Mutex::new(faults),
            stats: Mutex::new(Stats::default()),
            connections: AtomicU64::new(0),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::Relaxed);
                let s = s.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(req, s.clone()));
                    // A dropped call ends the connection with an error; that is the point.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(client), service)
                        .await;
                });
            }
        });
        Ok(Proxy { addr, shared, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_faults(&self, f: Faults) {
        *self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()) = f;
    }

    pub fn stats(&self) -> Stats {
        self.shared
            .stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn reset(&self) {
        *self.shared.stats.lock().unwrap_or_else(|p| p.into_inner()) = Stats::default();
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What classification needs of a request.
struct Call<'a> {
    method: &'a str,
    /// Path and query, as sent.
    target: &'a str,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl Call<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `service:Action` from the SigV4 credential scope and the protocol's action marker.
fn classify(call: &Call<'_>) -> (String, String) {
    let service = call
        .header("authorization")
        .and_then(|a| {
            a.split("Credential=")
                .nth(1)
                .map(|c| c.split('/').nth(3).unwrap_or("unknown").to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let action = if let Some(t) = call.header("x-amz-target") {
        t.rsplit('.').next().unwrap_or(t).to_string()
    } else if let Some((_, op)) = call.target.split_once("/operation/") {
        // Smithy RPC v2 CBOR (CloudWatch): POST /service/SERVICE/operation/ACTION.
        op.split(['/', '?']).next().unwrap_or(op).to_string()
    } else if let Some(a) = form_action(call.body)
        .or_else(|| form_action(call.target.split('?').nth(1).unwrap_or("").as_bytes()))
    {
        a
    } else {
        // REST (S3, Route 53): method and the first path segment after the bucket or version.
        let (path, query) = call.target.split_once('?').unwrap_or((call.target, ""));
        let sub = query
            .split('&')
            .next()
            .filter(|q| !q.is_empty() && !q.contains('='))
            .map(|q| format!(" ?{q}"))
            .unwrap_or_default();
        let depth = path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .count();
        let what = if service == "s3" {
            ["", "bucket", "bucket/key"][depth.min(2)].to_string()
        } else {
            path.trim_matches('/')
                .split('/')
                .nth(1)
                .unwrap_or("")
                .to_string()
        };
        format!("{} /{what}{sub}", call.method)
    };
    (service, action)
}

fn form_action(body: &[u8]) -> Option<String> {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action=").map(str::to_string))
}

enum Fate {
    Throttle,
    ServerError,
    Drop,
    Forward,
}

/// Why a call got no answer: the connection is dropped, on purpose or because the upstream failed.
#[derive(Debug, thiserror::Error)]
enum NoAnswer {
    #[error("dropped (injected)")]
    Dropped,
    #[error("upstream: {0}")]
    Upstream(String),
}

fn upstream_error(e: impl std::fmt::Display) -> NoAnswer {
    NoAnswer::Upstream(e.to_string())
}

async fn handle(req: Request<Incoming>, s: Arc<Shared>) -> Result<Response<Full<Bytes>>, NoAnswer> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(upstream_error)?.to_bytes();
    let begun = s.started.elapsed().as_secs_f64() * 1000.0;
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let call = Call {
        method: parts.method.as_str(),
        target: &target,
        headers: &parts.headers,
        body: &body,
    };
    let (service, action) = classify(&call);
    let faults = *s.faults.lock().unwrap_or_else(|p| p.into_inner());
    let fate = {
        let x: f64 = rand::thread_rng().gen();
        if x < faults.throttle {
            Fate::Throttle
        } else if x < faults.throttle + faults.server_error {
            Fate::ServerError
        } else if x < faults.throttle + faults.server_error + faults.drop {
            Fate::Drop
        } else {
            Fate::Forward
        }
    };
    {
        let mut st = s.stats.lock().unwrap_or_else(|p| p.into_inner());
        *st.calls.entry(format!("{service}:{action}")).or_default() += 1;
        match fate {
            Fate::Throttle => st.throttled += 1,
            Fate::ServerError => st.server_errors += 1,
            Fate::Drop => st.dropped += 1,
            Fate::Forward => st.forwarded += 1,
        }
    }
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let response = match fate {
        Fate::Throttle => protocol::throttle(&Protocol::of(&service, &parts.headers)),
        Fate::ServerError => {
            let status = if rand::thread_rng().gen_bool(0.5) {
                500
            } else {
                503
            };
            protocol::server_error(&Protocol::of(&service, &parts.headers), status)
        }
        Fate::Drop => return Err(NoAnswer::Dropped),
        Fate::Forward => forward(&s, parts, body).await?,
    };
    let ended = s.started.elapsed().as_secs_f64() * 1000.0;
    s.stats
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .timeline
        .push((begun, ended));
    Ok(response)
}

/// Sends the request upstream unchanged (the signature covers the host header, so it stays) and
/// returns the whole response.
async fn forward(
    s: &Shared,
    mut parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, NoAnswer> {
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    parts.uri = format!("http://{}{path}", s.upstream)
        .parse()
        .map_err(upstream_error)?;
    let answer = s
        .client
        .request(Request::from_parts(parts, Full::new(body)))
        .await
        .map_err(upstream_error)?;
    let (parts, body) = answer.into_parts();
    let body = body.collect().await.map_err(upstream_error)?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn classified(
        method: &str,
        target: &str,
        headers: &[(&'static str, String)],
        body: &str,
    ) -> (String, String) {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        classify(&Call {
            method,
            target,
            headers: &h,
            body: body.as_bytes(),
        })
    }

    #[test]
    fn calls_are_classified_by_protocol() {
        let auth = |svc: &str| {
            format!("AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/{svc}/aws4_request, SignedHeaders=host")
        };
        let target = "DynamoDB_20120810.DescribeTable".to_string();
        assert_eq!(
            classified(
                "POST",
                "/",
                &[
                    ("authorization", auth("dynamodb")),
                    ("x-amz-target", target)
                ],
                "{}"
            ),
            ("dynamodb".into(), "DescribeTable".into())
        );
        assert_eq!(
            classified(
                "POST",
                "/",
                &[("authorization", auth("rds"))],
                "Action=DescribeGlobalClusters&Version=2014-10-31"
            ),
            ("rds".into(), "DescribeGlobalClusters".into())
        );
        assert_eq!(
            classified(
                "POST",
                "/service/GraniteServiceVersion20100801/operation/PutMetricAlarm",
                &[
                    ("authorization", auth("monitoring")),
                    ("smithy-protocol", "rpc-v2-cbor".into())
                ],
                ""
            ),
            ("monitoring".into(), "PutMetricAlarm".into())
        );
        assert_eq!(
            classified(
                "GET",
                "/bucket?versioning",
                &[("authorization", auth("s3"))],
                ""
            ),
            ("s3".into(), "GET /bucket ?versioning".into())
        );
    }

    #[test]
    fn the_sequential_chain_ignores_overlapping_calls() {
        let s = Stats {
            timeline: vec![
                (0.0, 10.0),
                (5.0, 15.0),
                (10.0, 20.0),
                (20.0, 30.0),
                (12.0, 13.0),
            ],
            ..Stats::default()
        };
        assert_eq!(s.longest_sequential_chain(), 3);
    }

    #[tokio::test]
    async fn refuses_non_loopback_upstreams() {
        assert!(Proxy::start("http://10.0.0.1:80", Faults::default())
            .await
            .is_err());
    }

    /// An upstream that answers every request with `ok`, to forward to.
    async fn upstream() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                        Ok::<_, std::convert::Infallible>(Response::new(Full::new(
                            Bytes::from_static(b"ok"),
                        )))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(conn), service)
                        .await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn forwards_throttles_drops_and_counts() {
        let up = upstream().await;
        let proxy = Proxy::start(&format!("http://{up}"), Faults::default())
            .await
            .unwrap();
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let get = || {
            Request::post(proxy.url())
                .header("x-amz-target", "DynamoDB_20120810.DescribeTable")
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap()
        };
        let r = client.request(get()).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.into_body().collect().await.unwrap().to_bytes(), "ok");
        proxy.set_faults(Faults {
            throttle: 1.0,
            ..Faults::default()
        });
        let r = client.request(get()).await.unwrap();
        assert_eq!(r.status(), 400);
        let body = r.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains("ThrottlingException"));
        proxy.set_faults(Faults {
            drop: 1.0,
            ..Faults::default()
        });
        assert!(
            client.request(get()).await.is_err(),
            "a dropped call gets no answer"
        );
        // A REST-JSON service (EventBridge Scheduler) gets its own shape: 429, JSON, the type header.
        proxy.set_faults(Faults {
            throttle: 1.0,
            ..Faults::default()
        });
        let r = client
            .request(
                Request::get(format!("{}/schedules/x", proxy.url()))
                    .header(
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/scheduler/aws4_request",
                    )
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["x-amzn-errortype"], "ThrottlingException");
        assert_eq!(r.headers()["content-type"], "application/json");
        proxy.set_faults(Faults::default());
        let st = proxy.stats();
        assert_eq!((st.forwarded, st.throttled, st.dropped), (1, 2, 1));
        assert_eq!(st.calls["unknown:DescribeTable"], 3);
        assert_eq!(st.calls["scheduler:GET /x"], 1);
    }
}
