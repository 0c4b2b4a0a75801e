//! The harness itself: a test that fails midway leaves nothing in the sandbox (or the account).

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
