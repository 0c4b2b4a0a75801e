//! A loopback HTTP/1.1 proxy between the provider and the sandbox: "a slow, flaky AWS".
//!
//! It adds latency to every call, injects faults at given rates — throttling in each protocol's
//! own shape (`ThrottlingException` for JSON services, `Throttling` for query/XML ones, S3
//! `SlowDown`, HTTP 429), other 5xx, dropped connections — and counts calls per service and
//! action. Only loopback upstreams are accepted.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
            faults: Mutex::new(faults),
            stats: Mutex::new(Stats::default()),
            connections: AtomicU64::new(0),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve(client, s.clone()));
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

/// One parsed HTTP/1.1 message: head and body bytes.
struct Message {
    head: Vec<u8>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.head);
        text.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn start_line(&self) -> String {
        String::from_utf8_lossy(&self.head)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

/// Reads one message; `None` at a clean end of stream.
async fn read_message<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    is_response_to_head: bool,
) -> std::io::Result<Option<Message>> {
    loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..pos + 4).collect();
            let mut msg = Message {
                head,
                body: Vec::new(),
            };
            let chunked = msg
                .header("transfer-encoding")
                .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            if is_response_to_head {
                return Ok(Some(msg));
            }
            if chunked {
                // Keep the chunked framing as is; read until the terminating chunk.
                loop {
                    if let Some(end) = find_chunked_end(buf) {
                        msg.body = buf.drain(..end).collect();
                        return Ok(Some(msg));
                    }
                    if !fill(r, buf).await? {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
            let len: usize = msg
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < len {
                if !fill(r, buf).await? {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
            msg.body = buf.drain(..len).collect();
            return Ok(Some(msg));
        }
        if !fill(r, buf).await? {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            };
        }
    }
}

/// End offset of a complete chunked body at the start of `buf`.
fn find_chunked_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let line_end = buf[i..].windows(2).position(|w| w == b"\r\n")? + i;
        let size_text = String::from_utf8_lossy(&buf[i..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        i = line_end + 2;
        if size == 0 {
            // Trailers until an empty line.
            loop {
                let e = buf[i..].windows(2).position(|w| w == b"\r\n")? + i;
                let empty = e == i;
                i = e + 2;
                if empty {
                    return Some(i);
                }
            }
        }
        i += size + 2;
        if i > buf.len() {
            return None;
        }
    }
}

async fn fill<R: AsyncRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 64 * 1024];
    let n = r.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// `service:Action` from the SigV4 credential scope and the protocol's action marker.
fn classify(req: &Message) -> (String, String) {
    let service = req
        .header("authorization")
        .and_then(|a| {
            a.split("Credential=")
                .nth(1)
                .map(|c| c.split('/').nth(3).unwrap_or("unknown").to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let action = if let Some(t) = req.header("x-amz-target") {
        t.rsplit('.').next().unwrap_or(&t).to_string()
    } else if let Some(a) = form_action(&req.body)
        .or_else(|| form_action(req.start_line().split('?').nth(1).unwrap_or("").as_bytes()))
    {
        a
    } else {
        // REST (S3, Route 53): method and the first path segment after the bucket or version.
        let line = req.start_line();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or("?").to_string();
        let path = parts.next().unwrap_or("/");
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
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
        format!(
            "{method} /{}{sub}",
            if service == "s3" {
                ["", "bucket", "bucket/key"][depth.min(2)].to_string()
            } else {
                path.trim_matches('/')
                    .split('/')
                    .nth(1)
                    .unwrap_or("")
                    .to_string()
            }
        )
    };
    (service, action)
}

fn form_action(body: &[u8]) -> Option<String> {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action=").map(str::to_string))
}

/// A throttling response in the shape each protocol uses.
fn throttle_response(service: &str, req: &Message) -> Vec<u8> {
    let json = req.header("x-amz-target").is_some();
    let (status, ctype, body) = if service == "s3" {
        ("503 Slow Down", "application/xml", "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".to_string())
    } else if json {
        (
            "400 Bad Request",
            "application/x-amz-json-1.0",
            r#"{"__type":"ThrottlingException","message":"Rate exceeded (injected)"}"#.to_string(),
        )
    } else if rand::thread_rng().gen_bool(0.5) {
        ("400 Bad Request", "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded (injected)</Message></Error><RequestId>injected</RequestId></ErrorResponse>".to_string())
    } else {
        ("429 Too Many Requests", "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Too many requests (injected)</Message></Error></ErrorResponse>".to_string())
    };
    response(status, ctype, &body)
}

fn server_error_response() -> Vec<u8> {
    let status = if rand::thread_rng().gen_bool(0.5) {
        "500 Internal Server Error"
    } else {
        "503 Service Unavailable"
    };
    response(status, "text/plain", "injected server error")
}

fn response(status: &str, ctype: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nx-amzn-RequestId: injected\r\nx-amz-request-id: injected\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

enum Fate {
    Throttle,
    ServerError,
    Drop,
    Forward,
}

async fn serve(mut client: TcpStream, s: Arc<Shared>) {
    let mut buf = Vec::new();
    loop {
        let req = match read_message(&mut client, &mut buf, false).await {
            Ok(Some(r)) => r,
            _ => return,
        };
        let begun = s.started.elapsed().as_secs_f64() * 1000.0;
        let (service, action) = classify(&req);
        let faults = *s.faults.lock().unwrap_or_else(|p| p.into_inner());
        let fate = {
            let mut rng = rand::thread_rng();
            let x: f64 = rng.gen();
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
        let reply = match fate {
            Fate::Throttle => throttle_response(&service, &req),
            Fate::ServerError => server_error_response(),
            Fate::Drop => return,
            Fate::Forward => match forward(&req, s.upstream).await {
                Ok(r) => r,
                Err(_) => return,
            },
        };
        let ended = s.started.elapsed().as_secs_f64() * 1000.0;
        s.stats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .timeline
            .push((begun, ended));
        if client.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// Sends one request upstream on its own connection and returns the whole response.
async fn forward(req: &Message, upstream: SocketAddr) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(&req.head).await?;
    up.write_all(&req.body).await?;
    let mut buf = Vec::new();
    let head_only = req.start_line().starts_with("HEAD ");
    let resp = read_message(&mut up, &mut buf, head_only)
        .await?
        .ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let mut out = resp.head;
    out.extend_from_slice(&resp.body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_framed() {
        let body = b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\nNEXT";
        assert_eq!(find_chunked_end(body), Some(body.len() - 4));
        assert_eq!(find_chunked_end(b"4\r\nWi"), None);
    }

    #[test]
    fn calls_are_classified_by_protocol() {
        let msg = |head: &str, body: &str| Message {
            head: head.as_bytes().to_vec(),
            body: body.as_bytes().to_vec(),
        };
        let auth = |svc: &str| {
            format!("Authorization: AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/{svc}/aws4_request, SignedHeaders=host")
        };
        let json = msg(
            &format!(
                "POST / HTTP/1.1\r\n{}\r\nX-Amz-Target: DynamoDB_20120810.DescribeTable\r\n\r\n",
                auth("dynamodb")
            ),
            "{}",
        );
        assert_eq!(classify(&json), ("dynamodb".into(), "DescribeTable".into()));
        let query = msg(
            &format!("POST / HTTP/1.1\r\n{}\r\n\r\n", auth("rds")),
            "Action=DescribeGlobalClusters&Version=2014-10-31",
        );
        assert_eq!(
            classify(&query),
            ("rds".into(), "DescribeGlobalClusters".into())
        );
        let s3 = msg(
            &format!("GET /bucket?versioning HTTP/1.1\r\n{}\r\n\r\n", auth("s3")),
            "",
        );
        assert_eq!(
            classify(&s3),
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
}
