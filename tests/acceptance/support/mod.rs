//! The harness, shared by the acceptance and fault suites (so not every helper is used by both):
//! one workspace per test with a unique `environment_suffix`, a CLI config with `dev_overrides`
//! pointing at the freshly built provider, and SDK clients for checking AWS.

#![allow(dead_code, unused_imports)]

pub mod aws;
pub mod interrupt;
pub mod sandbox;
pub mod terraform;
pub mod topology;

pub use aws::Aws;

/// A TCP listener that counts connections: pointed at as the provider's endpoint, it proves that
/// bad input fails before any AWS call.
pub struct CallCounter {
    listener: std::net::TcpListener,
}

impl CallCounter {
    pub fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        CallCounter { listener }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.listener.local_addr().unwrap())
    }

    pub fn connections(&self) -> usize {
        std::iter::from_fn(|| self.listener.accept().ok()).count()
    }
}

pub use terraform::Workspace;

/// Where acceptance tests run, or `None` (the test is skipped, saying why).
pub fn target() -> Option<Option<String>> {
    match std::env::var("TRDR_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => {
            assert!(
                url.starts_with("http://127.") || url.starts_with("http://localhost"),
                "acceptance tests only use a loopback sandbox endpoint, not {url}"
            );
            Some(Some(url))
        }
        _ if std::env::var("TF_ACC").as_deref() == Ok("1") => Some(None),
        _ => {
            eprintln!("skipped: set TRDR_ENDPOINT_URL (make testacc starts a sandbox) or TF_ACC=1 for a real AWS account");
            None
        }
    }
}

/// A fresh workspace for `test`, or return from the test when acceptance tests are not enabled.
#[macro_export]
macro_rules! workspace {
    ($test:expr) => {
        match $crate::support::target() {
            Some(endpoint) => $crate::support::Workspace::new($test, endpoint),
            None => return,
        }
    };
}

/// Polls `f` every 100 ms until it returns `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
