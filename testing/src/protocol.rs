//! The error answers of AWS's wire protocols, for the proxy's injected faults: each call gets its
//! fault in the shape its own service's clients read, so the SDK classifies it as a real one
//! (throttling, or a transient server error) and retries it, instead of failing on a body it
//! cannot parse.
//!
//! | protocol | services here | how a client tells it | error body and code |
//! |---|---|---|---|
//! | Smithy RPC v2 CBOR | CloudWatch | `smithy-protocol: rpc-v2-cbor` | CBOR map, `__type`; the answer repeats the header, and a query-compatible service (CloudWatch) adds `x-amzn-query-error: CODE;TYPE` |
//! | AWS JSON 1.0 / 1.1 | Step Functions, DynamoDB, Secrets Manager, EventBridge | `X-Amz-Target` | JSON, `__type` |
//! | REST-JSON | EventBridge Scheduler | its signing name | JSON and `x-amzn-errortype` |
//! | S3 (REST-XML, no wrapper) | S3 | its signing name | `<Error><Code>` |
//! | query, REST-XML | RDS, IAM, STS, SNS, Route 53 | none of the above | `<ErrorResponse><Error><Code>` |
//!
//! Throttling codes are among those the AWS SDKs retry as throttling (`Throttling`,
//! `ThrottlingException`, `SlowDown`); server errors are 500 or 503, which they retry as
//! transient whatever the body.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use rand::Rng;

/// Services whose protocol is REST-JSON (no `X-Amz-Target`, JSON bodies), by signing name.
const REST_JSON: &[&str] = &["scheduler"];

/// The protocol a request speaks, as far as its error answer goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Protocol {
    RpcV2Cbor,
    /// `application/x-amz-json-1.0` or `-1.1`, as the request said.
    AwsJson(String),
    RestJson,
    S3,
    /// The query protocol, and REST-XML services other than S3 (Route 53): an `<ErrorResponse>`.
    Xml,
}

impl Protocol {
    /// The protocol of a request to `service` (its SigV4 signing name) with `headers`.
    pub fn of(service: &str, headers: &HeaderMap) -> Protocol {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if header("smithy-protocol") == Some("rpc-v2-cbor") {
            Protocol::RpcV2Cbor
        } else if header("x-amz-target").is_some() {
            let ctype = header("content-type")
                .filter(|c| c.starts_with("application/x-amz-json-"))
                .unwrap_or("application/x-amz-json-1.0");
            Protocol::AwsJson(ctype.to_string())
        } else if service == "s3" {
            Protocol::S3
        } else if REST_JSON.contains(&service) {
            Protocol::RestJson
        } else {
            Protocol::Xml
        }
    }
}

/// An error to answer: its HTTP status, its code, whose fault (`Sender` or `Receiver`, for the
/// query protocol), and its message.
struct Fault {
    status: u16,
    code: &'static str,
    kind: &'static str,
    message: &'static str,
}

/// A throttling answer in `p`'s shape.
pub fn throttle(p: &Protocol) -> Response<Full<Bytes>> {
    let fault = |status, code| Fault {
        status,
        code,
        kind: "Sender",
        message: "Rate exceeded (injected)",
    };
    match p {
        Protocol::S3 => answer(p, fault(503, "SlowDown")),
        Protocol::AwsJson(_) | Protocol::RpcV2Cbor => {
            let code = if *p == Protocol::RpcV2Cbor {
                // CloudWatch's code from its query days, which it keeps (awsQueryCompatible).
                "Throttling"
            } else {
                "ThrottlingException"
            };
            answer(p, fault(400, code))
        }
        Protocol::RestJson => answer(p, fault(429, "ThrottlingException")),
        // Query services answer throttling as 400, some as 429.
        Protocol::Xml => answer(
            p,
            fault(
                if rand::thread_rng().gen_bool(0.5) {
                    400
                } else {
                    429
                },
                "Throttling",
            ),
        ),
    }
}

/// A server error (`status` 500 or 503) in `p`'s shape.
pub fn server_error(p: &Protocol, status: u16) -> Response<Full<Bytes>> {
    let code = match (p, status) {
        (Protocol::S3, 500) => "InternalError",
        (Protocol::RestJson, 500) => "InternalServerException",
        (_, 500) => "InternalFailure",
        _ => "ServiceUnavailable",
    };
    answer(
        p,
        Fault {
            status,
            code,
            kind: "Receiver",
            message: "injected server error",
        },
    )
}

/// `fault` as protocol `p` writes it.
fn answer(p: &Protocol, fault: Fault) -> Response<Full<Bytes>> {
    let Fault {
        status,
        code,
        kind,
        message,
    } = fault;
    let (ctype, body): (String, Vec<u8>) = match p {
        Protocol::RpcV2Cbor => (
            "application/cbor".into(),
            cbor_text_map(&[("__type", code), ("message", message)]),
        ),
        Protocol::AwsJson(ctype) => (
            ctype.clone(),
            serde_json::json!({"__type": code, "message": message})
                .to_string()
                .into_bytes(),
        ),
        Protocol::RestJson => (
            "application/json".into(),
            serde_json::json!({"Message": message}).to_string().into_bytes(),
        ),
        Protocol::S3 => (
            "application/xml".into(),
            format!("<Error><Code>{code}</Code><Message>{message}</Message><RequestId>injected</RequestId></Error>").into_bytes(),
        ),
        Protocol::Xml => (
            "text/xml".into(),
            format!("<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>").into_bytes(),
        ),
    };
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("invalid"));
    h.insert("content-type", value(&ctype));
    h.insert("x-amzn-requestid", HeaderValue::from_static("injected"));
    h.insert("x-amz-request-id", HeaderValue::from_static("injected"));
    match p {
        Protocol::RpcV2Cbor => {
            h.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
            h.insert("x-amzn-query-error", value(&format!("{code};{kind}")));
        }
        Protocol::RestJson => {
            h.insert("x-amzn-errortype", value(code));
        }
        _ => {}
    }
    r
}

/// A CBOR map of text strings (RFC 8949: major type 5 of `pairs`, each key and value major
/// type 3), definite lengths.
fn cbor_text_map(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    cbor_head(&mut out, 5, pairs.len());
    for (k, v) in pairs {
        for s in [k, v] {
            cbor_head(&mut out, 3, s.len());
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

/// A CBOR data item's head: major type `major` with argument `n`.
fn cbor_head(out: &mut Vec<u8>, major: u8, n: usize) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    async fn body(r: Response<Full<Bytes>>) -> Vec<u8> {
        r.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    #[test]
    fn each_request_is_told_apart_by_its_protocol() {
        let cbor = headers(&[
            ("smithy-protocol", "rpc-v2-cbor"),
            ("content-type", "application/cbor"),
        ]);
        assert_eq!(Protocol::of("monitoring", &cbor), Protocol::RpcV2Cbor);
        let json = headers(&[
            ("x-amz-target", "secretsmanager.GetSecretValue"),
            ("content-type", "application/x-amz-json-1.1"),
        ]);
        assert_eq!(
            Protocol::of("secretsmanager", &json),
            Protocol::AwsJson("application/x-amz-json-1.1".into())
        );
        let none = HeaderMap::new();
        assert_eq!(Protocol::of("scheduler", &none), Protocol::RestJson);
        assert_eq!(Protocol::of("s3", &none), Protocol::S3);
        assert_eq!(Protocol::of("rds", &none), Protocol::Xml);
        assert_eq!(Protocol::of("route53", &none), Protocol::Xml);
    }

    /// The CBOR answer is a definite map of text strings with `__type`, as Smithy RPC v2 CBOR
    /// clients parse it, and says its protocol and its query-compatible code in its headers.
    #[tokio::test]
    async fn a_cbor_throttle_is_a_cbor_map_with_its_type() {
        let r = throttle(&Protocol::RpcV2Cbor);
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/cbor");
        assert_eq!(r.headers()["smithy-protocol"], "rpc-v2-cbor");
        assert_eq!(r.headers()["x-amzn-query-error"], "Throttling;Sender");
        let mut want = vec![0xa2, 0x66];
        want.extend_from_slice(b"__type");
        want.push(0x6a);
        want.extend_from_slice(b"Throttling");
        want.push(0x67);
        want.extend_from_slice(b"message");
        want.push(0x60 | 24);
        want.push("Rate exceeded (injected)".len() as u8);
        want.extend_from_slice(b"Rate exceeded (injected)");
        assert_eq!(body(r).await, want);
    }

    #[tokio::test]
    async fn json_and_xml_throttles_carry_their_codes() {
        let json = throttle(&Protocol::AwsJson("application/x-amz-json-1.1".into()));
        assert_eq!(json.status(), 400);
        assert_eq!(json.headers()["content-type"], "application/x-amz-json-1.1");
        let v: serde_json::Value = serde_json::from_slice(&body(json).await).unwrap();
        assert_eq!(v["__type"], "ThrottlingException");
        let rest = throttle(&Protocol::RestJson);
        assert_eq!(rest.status(), 429);
        assert_eq!(rest.headers()["x-amzn-errortype"], "ThrottlingException");
        let xml = throttle(&Protocol::Xml);
        assert!([400, 429].contains(&xml.status().as_u16()));
        let text = String::from_utf8(body(xml).await).unwrap();
        assert!(
            text.starts_with("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"),
            "{text}"
        );
        let s3 = throttle(&Protocol::S3);
        assert_eq!(s3.status(), 503);
        assert!(String::from_utf8(body(s3).await)
            .unwrap()
            .contains("<Code>SlowDown</Code>"));
    }

    #[test]
    fn long_cbor_strings_get_longer_heads() {
        let long = "x".repeat(300);
        let m = cbor_text_map(&[("k", &long)]);
        assert_eq!(&m[..3], &[0xa1, 0x61, b'k']);
        assert_eq!(&m[3..6], &[0x79, 0x01, 0x2c]);
        assert_eq!(m.len(), 6 + 300);
    }

    /// Through the proxy, each SDK reads the injected faults as what they are and retries them:
    /// three attempts reach the proxy, and the error it returns carries the injected code.
    mod through_the_sdks {
        use std::time::Duration;

        use aws_sdk_cloudwatch::error::ProvideErrorMetadata;

        use crate::proxy::{Faults, Proxy};

        const ATTEMPTS: u32 = 3;

        macro_rules! client {
            ($sdk:ident, $url:expr) => {
                client!($sdk, $url, |b| b)
            };
            ($sdk:ident, $url:expr, $more:expr) => {{
                let builder = $sdk::Config::builder()
                    .behavior_version($sdk::config::BehaviorVersion::latest())
                    .region($sdk::config::Region::new("us-east-1"))
                    .credentials_provider($sdk::config::Credentials::new(
                        "test",
                        "test",
                        None,
                        None,
                        "protocol-test",
                    ))
                    .endpoint_url($url)
                    .retry_config(
                        $sdk::config::retry::RetryConfig::standard()
                            .with_max_attempts(ATTEMPTS)
                            .with_initial_backoff(Duration::from_millis(1)),
                    );
                $sdk::Client::from_conf($more(builder).build())
            }};
        }

        /// Each service's call through a proxy that answers every call with `faults`: the
        /// error code each SDK read and the attempts the proxy saw.
        async fn codes(faults: Faults) -> Vec<(&'static str, Option<String>, u64)> {
            // Every call is answered by the proxy: the upstream is never reached.
            let proxy = Proxy::start("http://127.0.0.1:9", faults).await.unwrap();
            let url = proxy.url();
            let mut out = Vec::new();
            let mut seen = |service, code: Option<&str>| {
                let calls = proxy.stats().total();
                proxy.reset();
                out.push((service, code.map(str::to_string), calls));
            };
            let e = client!(aws_sdk_cloudwatch, &url)
                .describe_alarms()
                .send()
                .await
                .unwrap_err();
            seen("cloudwatch", e.code());
            let e = client!(aws_sdk_sfn, &url)
                .list_state_machines()
                .send()
                .await
                .unwrap_err();
            seen("sfn", e.code());
            let e = client!(aws_sdk_secretsmanager, &url)
                .list_secrets()
                .send()
                .await
                .unwrap_err();
            seen("secretsmanager", e.code());
            let e = client!(aws_sdk_rds, &url)
                .describe_global_clusters()
                .send()
                .await
                .unwrap_err();
            seen("rds", e.code());
            let e = client!(aws_sdk_scheduler, &url)
                .list_schedules()
                .send()
                .await
                .unwrap_err();
            seen("scheduler", e.code());
            let e = client!(aws_sdk_route53, &url)
                .list_hosted_zones()
                .send()
                .await
                .unwrap_err();
            seen("route53", e.code());
            let e = client!(aws_sdk_s3, &url, |b: aws_sdk_s3::config::Builder| b
                .force_path_style(true))
            .list_buckets()
            .send()
            .await
            .unwrap_err();
            seen("s3", e.code());
            out
        }

        #[tokio::test]
        async fn every_sdk_retries_an_injected_throttle() {
            let got = codes(Faults {
                throttle: 1.0,
                ..Faults::default()
            })
            .await;
            for (service, code, calls) in got {
                let want = match service {
                    "cloudwatch" | "rds" | "route53" => "Throttling",
                    "s3" => "SlowDown",
                    _ => "ThrottlingException",
                };
                assert_eq!(code.as_deref(), Some(want), "{service}");
                assert_eq!(calls, u64::from(ATTEMPTS), "{service}: retried");
            }
        }

        #[tokio::test]
        async fn every_sdk_retries_an_injected_server_error() {
            let got = codes(Faults {
                server_error: 1.0,
                ..Faults::default()
            })
            .await;
            for (service, code, calls) in got {
                assert!(code.is_some(), "{service}: a code it can read");
                assert_eq!(calls, u64::from(ATTEMPTS), "{service}: retried");
            }
        }
    }
}
