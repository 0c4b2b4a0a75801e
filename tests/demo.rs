//! `make demo`'s non-interactive path, run for real so it cannot silently rot: it starts its own
//! sandbox, applies examples/sandbox, fails over and back through the generated runbooks, prints
//! the summary, cleans up and checks that the destroy left nothing behind (`trdr-leftovers`).

use std::process::Command;

#[test]
fn demo_runs_start_to_finish_and_prints_the_summary() {
    let root = env!("CARGO_MANIFEST_DIR");
    if !std::path::Path::new(root)
        .join(".venv/bin/ministack")
        .exists()
    {
        panic!("the sandbox is not bootstrapped: run `make test` (or scripts/sandbox.sh bootstrap) first");
    }
    let out = Command::new("scripts/demo.sh")
        .current_dir(root)
        .env("DEMO_PROFILE", "debug")
        .env(
            "DEMO_PROVIDER_BIN",
            env!("CARGO_BIN_EXE_terraform-provider-trdr"),
        )
        .env(
            "TRDR_PLUGIN_MIRROR",
            format!("{root}/target/demo-test-mirror"),
        )
        .env_remove("KEEP")
        .output()
        .expect("demo runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "demo failed:\n{text}");
    // Issue 14: the install records the package's checksums, so init has nothing to warn about.
    assert!(
        !text.contains("Incomplete lock file information"),
        "terraform init warned:\n{text}"
    );
    for expected in [
        "readiness: READY",
        "database writer endpoint: trading-global-",
        "failover    us-east-2       def456.execute-api.us-east-2.amazonaws.com",
        "failback    us-east-1       abc123.execute-api.us-east-1.amazonaws.com",
        "notices: started, succeeded",
        "automatic   us-east-2       def456.execute-api.us-east-2.amazonaws.com",
        "back        us-east-1       abc123.execute-api.us-east-1.amazonaws.com",
        "automatic failover (watcher in us-east-2",
        "Destroy complete!",
        "nothing named for \"demo\" left in us-east-1, us-east-2 or the global services",
        "sandbox: stopped",
    ] {
        assert!(
            text.contains(expected),
            "demo output lacks {expected:?}:\n{text}"
        );
    }
}
