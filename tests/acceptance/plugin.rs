//! The plugin binary itself.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn run_by_hand_it_explains_itself_and_exits_non_zero() {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_terraform-provider-trdr"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "it must not hang"
    );
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(
        text.contains("Terraform plugin") && text.contains("trdr-dev/trdr"),
        "{text}"
    );
}
