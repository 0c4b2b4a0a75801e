//! The Task shapes only the watcher uses: a probe request over HTTP, a read of the global cluster in the
//! watcher's own region, and a read of its pause tag.

use serde_json::{json, Value as Json};

use super::super::builder::{jx, retry, Builder};
use super::spec::{PAUSED, PAUSED_AT_TAG, PAUSED_BY_TAG, PAUSE_REASON_TAG, PAUSE_TAG};

/// One request of a probe round (a branch of its Parallel state): an HTTP Task to `url`, whose
/// output is `{ok, detail}`, `ok` true on a 2xx answer. A request that fails is an observation,
/// never an error of the shift: its Catch records it. No retry: a socket error is answered by
/// the same request sent at once beside it, so a round never waits out two timeouts in a row.
pub(super) fn probe_branch(url: &str, connection: &str, timeout: u32) -> Json {
    json!({
        "StartAt": "Request",
        "States": {
            "Request": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Arguments": {
                    "ApiEndpoint": url,
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": connection}
                },
                "TimeoutSeconds": timeout,
                "Output": {
                    "ok": jx("$states.result.StatusCode >= 200 and $states.result.StatusCode < 300"),
                    "detail": jx("'HTTP ' & $string($states.result.StatusCode)")
                },
                "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"ok": false, "detail": jx("$states.errorOutput.Error")}, "Next": "NoAnswer"}],
                "End": true
            },
            "NoAnswer": {"Type": "Pass", "End": true}
        }
    })
}

impl Builder<'_> {
    /// `DescribeGlobalClusters` in the watcher's own region, assigning `assign`; a read that fails
    /// ends the shift (`cannot-read-writer`): nothing is decided on a writer it cannot see.
    pub(super) fn read_global(
        &mut self,
        name: &str,
        global_cluster_id: &str,
        assign: Json,
        next: &str,
    ) {
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
                json!({"GlobalClusterIdentifier": global_cluster_id}),
            ),
            assign,
            retry(self.t),
            vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"outcome": "cannot-read-writer", "cause": jx("$states.errorOutput.Error")}, "Next": "Report"})],
            next,
        );
    }

    /// Reads the pause tag of this watcher's own state machine into `$paused`, with who paused,
    /// why and when (empty when untagged); not being able to read it counts as paused (the
    /// watcher acts only on what it can see).
    pub(super) fn read_pause(&mut self, name: &str, next: &str) {
        let tagged =
            format!("$count($states.result.Tags[Key = '{PAUSE_TAG}' and Value = '{PAUSED}']) > 0");
        let tag = |key: &str| {
            jx(&format!(
                "($v := $states.result.Tags[Key = '{key}'][0].Value; $exists($v) ? $v : '')"
            ))
        };
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:sfn:listTagsForResource",
                json!({"ResourceArn": jx("$states.context.StateMachine.Id")}),
            ),
            json!({
                "paused": jx(&tagged),
                "paused_by": tag(PAUSED_BY_TAG),
                "pause_reason": tag(PAUSE_REASON_TAG),
                "paused_at": tag(PAUSED_AT_TAG)
            }),
            retry(self.t),
            vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"paused": true, "cause": jx("'cannot read the pause tag: ' & $states.errorOutput.Error")}, "Next": next})],
            next,
        );
    }
}
