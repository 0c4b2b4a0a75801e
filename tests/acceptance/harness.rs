//! The harness itself: a test that fails midway leaves nothing in the sandbox (or the account),
//! and Terraform's own known crash is told apart from every other failure.

use crate::support::interrupt::{
    terraform_crashed_with, ACTION_INTERRUPT_PANIC, TERRAFORM_CRASHED,
};
use crate::support::{target, Aws, Workspace};

#[tokio::test(flavor = "multi_thread")]
async fn a_test_that_fails_midway_leaves_nothing_behind() {
    let Some(endpoint) = target() else { return };
    let (tx, rx) = std::sync::mpsc::channel();
    let inner = endpoint.clone();
    // The failing scenario runs on its own thread, so its panic is the one the guard sees.
    let failed = std::thread::spawn(move || {
        let ws = Workspace::new("guard", inner);
        tx.send(ws.suffix.clone()).unwrap();
        ws.write(
            r#"
resource "trdr_regional_stack" "primary" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
}
"#,
        );
        ws.apply();
        tx.send("applied".to_string()).unwrap();
        panic!("failing on purpose with the stack applied");
    })
    .join();
    assert!(failed.is_err(), "the scenario was meant to fail");
    let suffix = rx.recv().unwrap();
    assert_eq!(
        rx.recv().as_deref(),
        Ok("applied"),
        "the stack was created before the failure, or the test proves nothing"
    );
    // The guard destroyed what the failed test created.
    Aws::new(endpoint)
        .assert_nothing_left(&suffix, ("us-east-1", "us-east-2"))
        .await;
}

/// The crash as Terraform 1.15.5 printed it in a suite run (its stack cut short).
const CRASHED: &str = "Stopping operation...

!!!!!!!!!!!!!!!!!!!!!!!!!!! TERRAFORM CRASH !!!!!!!!!!!!!!!!!!!!!!!!!!!!

Terraform crashed! This is always indicative of a bug within Terraform.
Please report the crash with Terraform[1] so that we can fix this.

!!!!!!!!!!!!!!!!!!!!!!!!!!! TERRAFORM CRASH !!!!!!!!!!!!!!!!!!!!!!!!!!!!

panic: runtime error: range function continued iteration after function for loop body returned false
goroutine 179 [running]:
runtime/debug.Stack()
";

/// Only Terraform's crash banner with that very panic is the known core bug: another panic, the
/// panic's words without the banner, or the words quoted in a diagnostic are failures.
#[test]
fn only_terraform_crashing_with_the_known_panic_is_the_core_bug() {
    assert!(terraform_crashed_with(CRASHED, ACTION_INTERRUPT_PANIC));
    let other = CRASHED.replace(
        "range function continued iteration after function for loop body returned false",
        "invalid memory address or nil pointer dereference",
    );
    assert!(!terraform_crashed_with(&other, ACTION_INTERRUPT_PANIC));
    let no_banner = CRASHED.replace(TERRAFORM_CRASHED, "");
    assert!(!terraform_crashed_with(&no_banner, ACTION_INTERRUPT_PANIC));
    let quoted =
        format!("{TERRAFORM_CRASHED}\nError: the provider said {ACTION_INTERRUPT_PANIC:?}");
    assert!(!terraform_crashed_with(&quoted, ACTION_INTERRUPT_PANIC));
}
