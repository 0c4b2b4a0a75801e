//! The Task shapes only the watcher uses: a probe over HTTP, a read of the global cluster in the
//! watcher's own region, and a read of its pause tag.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::super::builder::{jx, retry, retry_on, Builder};
use super::spec::{PAUSED, PAUSE_TAG};

impl Builder<'_> {
    /// An HTTP Task to `url`: `ok_var` is true on a 2xx answer. A probe that fails is an
    /// observation, never an error of the shift: its Catch records it and moves on. A socket
    /// error is tried once more (a dropped connection is not an outage).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn probe(
        &mut self,
        name: &str,
        url: &str,
        connection: &str,
        ok_var: &str,
        detail_var: &str,
        timeout: u32,
        extra: &[(&str, Json)],
        next: &str,
    ) {
        let mut ok = BTreeMap::from([
            (
                ok_var.to_string(),
                jx("$states.result.StatusCode >= 200 and $states.result.StatusCode < 300"),
            ),
            (
                detail_var.to_string(),
                jx("'HTTP ' & $string($states.result.StatusCode)"),
            ),
        ]);
        let mut failed = BTreeMap::from([
            (ok_var.to_string(), Json::Bool(false)),
            (detail_var.to_string(), jx("$states.errorOutput.Error")),
        ]);
        for (k, v) in extra {
            ok.insert(k.to_string(), v.clone());
            failed.insert(k.to_string(), v.clone());
        }
        self.state(
            name,
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Arguments": {
                    "ApiEndpoint": url,
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": connection}
                },
                "TimeoutSeconds": timeout,
                "Retry": retry_on(self.t, &["States.Http.Socket"]),
                "Assign": ok,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": failed, "Next": next}],
                "Next": next
            }),
        );
    }

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

    /// Reads the pause tag of this watcher's own state machine into `$paused`; not being able to
    /// read it counts as paused (the watcher acts only on what it can see).
    pub(super) fn read_pause(&mut self, name: &str, next: &str) {
        let tagged =
            format!("$count($states.result.Tags[Key = '{PAUSE_TAG}' and Value = '{PAUSED}']) > 0");
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:sfn:listTagsForResource",
                json!({"ResourceArn": jx("$states.context.StateMachine.Id")}),
            ),
            json!({"paused": jx(&tagged)}),
            retry(self.t),
            vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"paused": true, "cause": jx("'cannot read the pause tag: ' & $states.errorOutput.Error")}, "Next": next})],
            next,
        );
    }
}
