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
            skip("set TRDR_ENDPOINT_URL (make testacc starts a sandbox) or TF_ACC=1 for a real AWS account");
            None
        }
    }
}

/// Records that the running test is skipped, for `reason` (one line), where nobody can miss it:
/// `SKIPPED <test>: <reason>` on stderr and, when `TRDR_SKIP_LOG` names a file, a line
/// `<test>\t<reason>` appended to it for the suite's summary. libtest reports a skipped test as
/// `ok`, so on CI (`CI=true`), where everything is meant to run, a skip fails the test instead.
/// The caller returns from the test right after.
pub fn skip(reason: &str) {
    // libtest runs each test on a thread named after it.
    let current = std::thread::current();
    let test = current.name().unwrap_or("<unnamed test>");
    use std::io::Write;
    // Straight to stderr: libtest captures `eprintln!` and shows it only for a failed test.
    let _ = std::io::stderr().write_all(format!("SKIPPED {test}: {reason}\n").as_bytes());
    if let Some(log) = std::env::var_os("TRDR_SKIP_LOG").filter(|p| !p.is_empty()) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap_or_else(|e| panic!("TRDR_SKIP_LOG {}: {e}", log.to_string_lossy()));
        // One write per line, so that tests skipping at once do not interleave their lines.
        file.write_all(format!("{test}\t{reason}\n").as_bytes())
            .unwrap_or_else(|e| panic!("TRDR_SKIP_LOG {}: {e}", log.to_string_lossy()));
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test} was skipped on CI, where every test must run: {reason}");
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
