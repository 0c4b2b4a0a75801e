//! What users copy into production, read as HCL: the examples cannot be applied here (the
//! `hashicorp/aws` provider is not installable offline), so their promises are checked by reading
//! them. One guarded way to fail over (the watcher), every per-region object wired to its own
//! region, dashboards that graph only metrics something publishes, and the dr-core module's
//! README listing exactly its inputs and outputs (`make docs` rewrites those tables).

use std::collections::BTreeSet;
use std::path::Path;

use hcl::{Block, Body};

#[path = "common/files.rs"]
mod common;
use common::files;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse(path: &Path) -> Body {
    let text = std::fs::read_to_string(path).unwrap();
    hcl::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `resource "TYPE" "NAME"` blocks of a body: (type, name, block).
fn resources(body: &Body) -> Vec<(String, String, &Block)> {
    body.blocks()
        .filter(|b| b.identifier() == "resource" && b.labels().len() == 2)
        .map(|b| {
            (
                b.labels()[0].as_str().to_string(),
                b.labels()[1].as_str().to_string(),
                b,
            )
        })
        .collect()
}

fn text_of(block: &Block) -> String {
    hcl::format::to_string(block.body()).unwrap()
}

/// A runbook started in failover mode: `mode = "failover"` (HCL) or `"mode": "failover"` (JSON,
/// code), whatever the spacing and quoting.
fn starts_failover(text: &str) -> bool {
    let flat: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'' && *c != '\\')
        .collect();
    flat.contains("mode=failover") || flat.contains("mode:failover")
}

/// Resource types that can start a Step Functions execution on their own.
const STARTERS: &[&str] = &[
    "aws_cloudwatch_event_target",
    "aws_scheduler_schedule",
    "aws_pipes_pipe",
    "aws_lambda_function",
    "aws_lambda_invocation",
    "aws_sfn_state_machine",
    "aws_cloudwatch_event_rule",
    "aws_sns_topic_subscription",
    "aws_iot_topic_rule",
    "aws_ssm_association",
];

/// Each place in `dir`'s HCL and function code that starts a runbook in failover mode.
fn failover_starters(dir: &Path) -> (Vec<String>, usize) {
    let mut found = Vec::new();
    let mut inputs_read = 0;
    for f in files(dir, &[".tf"]) {
        for (ty, name, block) in resources(&parse(&f)) {
            if !STARTERS.contains(&ty.as_str()) {
                continue;
            }
            let text = text_of(block);
            if text.contains("input") {
                inputs_read += 1;
            }
            if starts_failover(&text) {
                found.push(format!("{}: {ty}.{name}", f.display()));
            }
        }
    }
    for f in files(dir, &[".py", ".js", ".ts", ".go", ".java", ".sh"]) {
        let text = std::fs::read_to_string(&f).unwrap();
        let lower = text.to_lowercase();
        if (lower.contains("start_execution") || lower.contains("startexecution"))
            && starts_failover(&text)
        {
            found.push(f.display().to_string());
        }
    }
    (found, inputs_read)
}

#[test]
fn no_example_starts_a_runbook_in_failover_mode_the_watcher_is_the_only_automatic_path() {
    let (found, inputs_read) = failover_starters(&root().join("examples"));
    assert!(
        found.is_empty(),
        "only the watcher may fail over automatically; these start a runbook in failover mode: {found:#?}"
    );
    // Not vacuous: the hourly drill's schedule passes {"mode": "drill"} and was read.
    assert!(inputs_read >= 1, "the drill schedule's input was read");
    let drills = std::fs::read_to_string(root().join("examples/two-region-dr/drills.tf")).unwrap();
    assert!(
        drills.contains("mode = \"drill\""),
        "the drill schedule exists"
    );
}

#[test]
fn the_failover_mode_check_sees_the_paths_it_forbids() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.tf"),
        r#"
resource "aws_cloudwatch_event_target" "failover_on_alarm" {
  rule     = "r"
  arn      = module.dr.state_machine_arns["us-east-2"]
  input    = jsonencode({ mode = "failover" })
}
resource "aws_scheduler_schedule" "drill" {
  name = "d"
  target {
    arn   = "x"
    input = jsonencode({ mode = "drill" })
  }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("promote.py"),
        "sfn.start_execution(stateMachineArn=ARN, input=json.dumps({\"mode\": \"failover\"}))\n",
    )
    .unwrap();
    let (found, _) = failover_starters(dir.path());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].ends_with("aws_cloudwatch_event_target.failover_on_alarm"));
    assert!(found[1].ends_with("promote.py"));
}

/// The region a name belongs to: `*_primary` / `*_secondary` resources and modules.
fn side(name: &str) -> Option<&'static str> {
    if name == "primary" || name.ends_with("_primary") {
        Some("primary")
    } else if name == "secondary" || name.ends_with("_secondary") {
        Some("secondary")
    } else {
        None
    }
}

/// Cross-region references made on purpose: (resource, what it refers to).
const ACROSS_ON_PURPOSE: &[(&str, &str)] = &[
    // Forwarding trading events to the other region's bus is the rule's whole point.
    (
        "aws_cloudwatch_event_target.forward",
        "aws_cloudwatch_event_bus.trading_secondary.arn",
    ),
    // Inter-region VPC peering: the requester (primary) names the peer VPC, the accepter
    // (secondary) names the request, and the primary's route waits for the acceptance.
    (
        "aws_vpc_peering_connection.peering_primary",
        "module.network_secondary.vpc_id",
    ),
    (
        "aws_vpc_peering_connection_accepter.peering_secondary",
        "aws_vpc_peering_connection.peering_primary.id",
    ),
    (
        "aws_route.to_secondary_primary",
        "aws_vpc_peering_connection_accepter.peering_secondary",
    ),
    // The application's secret is replicated from the primary region; its replica is encrypted
    // under the secondary region's key, which only the primary secret's replica block can name.
    (
        "aws_secretsmanager_secret.app_db",
        "aws_kms_key.platform_secondary.arn",
    ),
];

/// In the platform example every per-region object uses its own region's provider, and refers
/// only to objects of its own region (IAM is global and exempt).
#[test]
fn every_per_region_object_of_the_platform_example_is_wired_to_its_own_region() {
    let dir = root().join("examples/two-region-dr");
    let mut problems = Vec::new();
    let mut checked = 0;
    for f in files(&dir, &[".tf"]) {
        if f.parent() != Some(dir.as_path()) {
            continue;
        }
        for (ty, name, block) in resources(&parse(&f)) {
            if ty.starts_with("aws_iam_") {
                continue;
            }
            let text = text_of(block);
            let provider = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("provider = aws."))
                .map(str::trim)
                .map(str::to_string);
            let Some(provider) = provider else {
                problems.push(format!(
                    "{ty}.{name}: no provider (aws.primary or aws.secondary)"
                ));
                continue;
            };
            checked += 1;
            if let Some(own) = side(&name) {
                if own != provider {
                    problems.push(format!("{ty}.{name} uses aws.{provider}"));
                }
            }
            // References to the other region's objects: `X.Y_other` or `module.Y_other`.
            let other = if provider == "primary" {
                "_secondary"
            } else {
                "_primary"
            };
            for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
                let parts: Vec<&str> = word.split('.').collect();
                let here = format!("{ty}.{name}");
                if parts.len() >= 2
                    && parts[1].ends_with(other)
                    && !ACROSS_ON_PURPOSE.contains(&(here.as_str(), word))
                    && !parts[0].starts_with("aws_iam")
                    && (parts[0].starts_with("aws_") || parts[0] == "module")
                {
                    problems.push(format!("{ty}.{name} (aws.{provider}) refers to {word}"));
                }
            }
            // A per-region secret ARN must be this region's copy.
            if text.contains("master_user_secret_arn") && !text.contains("master_user_secret_arns")
            {
                problems.push(format!(
                    "{ty}.{name} uses the primary's secret ARN; use master_user_secret_arns[region]"
                ));
            }
        }
    }
    assert!(checked >= 30, "read {checked} regional resources");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The names a trdr runbook or watcher publishes in CloudWatch, read from the generated state
/// machines' code.
fn trdr_metrics() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for f in files(
        &root().join("src/resources/failover_orchestrator/runbook"),
        &[".rs"],
    ) {
        let text = std::fs::read_to_string(f).unwrap();
        for marker in ["\"MetricName\": \"", "datum(\""] {
            for piece in text.split(marker).skip(1) {
                names.insert(piece.split('"').next().unwrap().to_string());
            }
        }
    }
    names
}

#[test]
fn the_platform_dashboards_graph_only_metrics_that_are_published() {
    let published = trdr_metrics();
    for m in [
        "RunSucceeded",
        "RecoverySeconds",
        "AutomaticFailoverSeconds",
    ] {
        assert!(
            published.contains(m),
            "{m} read from the runbook code: {published:?}"
        );
    }
    let text =
        std::fs::read_to_string(root().join("examples/two-region-dr/monitoring.tf")).unwrap();
    let mut graphed = 0;
    let mut problems = Vec::new();
    for piece in text.split("[\"").skip(1) {
        let mut fields = piece.split('"');
        let namespace = fields.next().unwrap();
        let metric = fields.nth(1).unwrap_or_default();
        if namespace.starts_with("AWS/") {
            graphed += 1;
        } else if namespace == "trdr" {
            graphed += 1;
            if !published.contains(metric) {
                problems.push(format!("trdr/{metric} is published by nothing"));
            }
        } else {
            problems.push(format!(
                "namespace {namespace} ({metric}) is published by nothing"
            ));
        }
    }
    assert!(graphed >= 6, "{graphed} metrics graphed");
    assert!(problems.is_empty(), "{problems:#?}");
    // CloudWatch dashboards are global: a second one of the same name is the same object.
    assert_eq!(
        text.matches("resource \"aws_cloudwatch_dashboard\"")
            .count(),
        1,
        "one dashboard, showing both regions"
    );
}

/// One row of the module README's tables: `| name | description | type | default |`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn expr(e: &hcl::Expression) -> String {
    hcl::format::to_string(e)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn description(block: &Block) -> String {
    block
        .body()
        .attributes()
        .find(|a| a.key() == "description")
        .map(|a| match a.expr() {
            hcl::Expression::String(s) => s.clone(),
            other => expr(other),
        })
        .unwrap_or_default()
}

/// The Inputs and Outputs tables of examples/modules/dr-core/README.md, from its .tf files.
fn module_tables(dir: &Path) -> (String, String) {
    let mut inputs = String::from("| name | description | type | default |\n|---|---|---|---|\n");
    let mut outputs = String::from("| name | description |\n|---|---|\n");
    for f in files(dir, &[".tf"]) {
        if f.parent() != Some(dir) {
            continue;
        }
        let body = parse(&f);
        for b in body.blocks() {
            let Some(name) = b.labels().first().map(|l| l.as_str().to_string()) else {
                continue;
            };
            let attr = |key: &str| {
                b.body()
                    .attributes()
                    .find(|a| a.key() == key)
                    .map(|a| expr(a.expr()))
            };
            match b.identifier() {
                "variable" => {
                    let default = match attr("default") {
                        None => "required".to_string(),
                        Some(d) => format!("`{}`", cell(&d)),
                    };
                    inputs.push_str(&format!(
                        "| `{name}` | {} | `{}` | {default} |\n",
                        cell(&description(b)),
                        cell(&attr("type").unwrap_or_else(|| "any".into())),
                    ));
                }
                "output" => {
                    outputs.push_str(&format!("| `{name}` | {} |\n", cell(&description(b))));
                }
                _ => {}
            }
        }
    }
    (inputs, outputs)
}

fn between(text: &str, start: &str, end: &str) -> Option<(usize, usize)> {
    let a = text.find(start)? + start.len();
    let b = a + text[a..].find(end)?;
    Some((a, b))
}

#[test]
fn the_dr_core_readme_lists_exactly_its_inputs_and_outputs() {
    let dir = root().join("examples/modules/dr-core");
    let readme_path = dir.join("README.md");
    let mut readme = std::fs::read_to_string(&readme_path).unwrap();
    let (inputs, outputs) = module_tables(&dir);
    assert!(inputs.lines().count() > 20 && outputs.lines().count() > 10);
    let undocumented: Vec<&str> = inputs
        .lines()
        .chain(outputs.lines())
        .filter(|l| l.contains("` |  |"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "every input and output has a description: {undocumented:#?}"
    );
    let update = std::env::var("TRDR_UPDATE_DOCS").as_deref() == Ok("1");
    let mut stale = Vec::new();
    for (marker, table) in [("inputs", &inputs), ("outputs", &outputs)] {
        let (start, end) = (
            format!("<!-- {marker} -->\n"),
            format!("<!-- /{marker} -->"),
        );
        let (a, b) = between(&readme, &start, &end)
            .unwrap_or_else(|| panic!("README.md has {start:?} … {end:?}"));
        if &readme[a..b] != table.as_str() {
            stale.push(marker);
            readme.replace_range(a..b, table);
        }
    }
    if update {
        std::fs::write(&readme_path, readme).unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "examples/modules/dr-core/README.md's {stale:?} differ from the module (run `make docs`)"
        );
    }
}

/// The platform example's runtime roles are the documented policies themselves, which
/// `tests/permissions.rs` checks against every call the sandbox saw: no second copy to drift.
#[test]
fn the_platform_example_gives_its_roles_the_documented_policies() {
    let iam = std::fs::read_to_string(root().join("examples/two-region-dr/iam.tf")).unwrap();
    for (resource, template) in [
        (
            "aws_iam_role\" \"failover",
            "failover-execution-role.trust.json.tftpl",
        ),
        (
            "aws_iam_role_policy\" \"failover",
            "failover-execution-role.json.tftpl",
        ),
        (
            "aws_iam_role\" \"s3_replication",
            "s3-replication-role.trust.json.tftpl",
        ),
        (
            "aws_iam_role_policy\" \"s3_replication",
            "s3-replication-role.json.tftpl",
        ),
    ] {
        let at = iam
            .find(resource)
            .unwrap_or_else(|| panic!("iam.tf declares {resource}"));
        let block = &iam[at..at + iam[at..].find("\n}\n").unwrap()];
        assert!(
            block.contains(&format!(
                "templatefile(\"${{local.permissions}}/{template}\""
            )),
            "{resource} takes {template}:\n{block}"
        );
        assert!(
            root().join("examples/permissions").join(template).exists(),
            "{template} exists"
        );
    }
}

/// The example's README names every finding the security scan accepts by design: what a reviewer
/// reads there is what `examples/security-exceptions.txt` lets through.
#[test]
fn the_platform_readme_names_every_accepted_security_finding() {
    let exceptions =
        std::fs::read_to_string(root().join("examples/security-exceptions.txt")).unwrap();
    let readme = std::fs::read_to_string(root().join("examples/two-region-dr/README.md")).unwrap();
    let security = &readme[readme.find("## Security").expect("a Security section")..];
    let ids: BTreeSet<&str> = exceptions
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(ids.len() >= 5, "{ids:?}");
    let missing: Vec<_> = ids
        .iter()
        .filter(|id| !security.contains(&format!("`{id}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's Security section lacks {missing:?}"
    );
}
