//! Every AWS call the acceptance suite made is one the documented IAM policies grant.
//!
//! `scripts/sandbox.sh run` has the sandbox log each call it serves (tests/sandbox/calllog.py) to
//! `target/sandbox-calls/*.jsonl`: the operation, the IAM actions it needs, the ARNs it names and
//! who called. This test reads every such log and checks
//! - the provider's calls against `examples/permissions/deployer-*.json.tftpl` (together),
//! - the calls of trdr's runbooks and watchers (Step Functions executions of state machines named
//!   `*-failover-*` / `*-watcher-*`) against `failover-execution-role.json.tftpl`,
//! - EventBridge Scheduler starting a watcher against `schedule-role.json.tftpl`.
//!
//! A statement grants a call when it allows the action (wildcards as IAM evaluates them) and,
//! where the log names the resources, each of them; `${partition}` is `aws` and every other
//! placeholder (`${name}`, `${account}`, …) matches anything, so the ARN *patterns* are checked.
//! Conditions are not evaluated. The tests' own calls (they set up and inspect the sandbox) and
//! anything else's are not checked. The test fails when there is no log, or the logs hold no
//! provider call or no runbook/watcher call, so it cannot pass without having checked anything:
//! run it after the acceptance suite (`make test` does). `TRDR_SANDBOX_CALL_LOGS` names another
//! directory (or one file) to read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

const POLICY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/permissions");

/// Actions that need no permission (AWS STS API reference: "No permissions are required to
/// perform this operation").
const NEEDS_NO_PERMISSION: &[&str] = &["sts:GetCallerIdentity"];

/// IAM's wildcard match: `*` any run of characters, `?` any one character.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A template as `templatefile()` would render it for the check: `${partition}` is `aws`, every
/// other placeholder a wildcard.
fn render(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + end];
        out.push_str(if name == "partition" { "aws" } else { "*" });
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn strings(v: &Json) -> Vec<String> {
    match v {
        Json::String(s) => vec![s.clone()],
        Json::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(Debug)]
struct Statement {
    actions: Vec<String>,
    resources: Vec<String>,
}

#[derive(Debug)]
struct Policy {
    file: String,
    allow: Vec<Statement>,
}

impl Policy {
    fn parse(file: &str, template: &str) -> Policy {
        let doc: Json = serde_json::from_str(&render(template))
            .unwrap_or_else(|e| panic!("{file} is not a JSON policy document: {e}"));
        let allow = doc["Statement"]
            .as_array()
            .unwrap_or_else(|| panic!("{file} has no Statement list"))
            .iter()
            .filter(|s| s["Effect"] == "Allow")
            .map(|s| Statement {
                actions: strings(&s["Action"]),
                resources: strings(&s["Resource"]),
            })
            .collect();
        Policy {
            file: file.to_string(),
            allow,
        }
    }

    /// The policy the files together grant (a role or user may have several).
    fn load(files: &[&str]) -> Policy {
        let mut allow = Vec::new();
        for file in files {
            let path = Path::new(POLICY_DIR).join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            allow.extend(Policy::parse(file, &text).allow);
        }
        Policy {
            file: files.join(" + "),
            allow,
        }
    }

    /// Whether an Allow statement grants `action` (on `resource`, when known).
    fn allows(&self, action: &str, resource: Option<&str>) -> bool {
        let action = action.to_ascii_lowercase();
        self.allow.iter().any(|s| {
            s.actions
                .iter()
                .any(|a| glob(&a.to_ascii_lowercase(), &action))
                && resource.is_none_or(|r| s.resources.iter().any(|p| glob(p, r)))
        })
    }
}

/// Whose policy a call is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// The credentials the provider starts from, when its `assume_role` names the deployer role.
    Base,
    Deployer,
    Execution,
    Schedule,
}

struct Policies {
    base: Policy,
    deployer: Policy,
    execution: Policy,
    schedule: Policy,
}

impl Policies {
    fn load() -> Policies {
        Policies {
            base: Policy::load(&["assume-deployer-role.json.tftpl"]),
            deployer: Policy::load(&["deployer-data.json.tftpl", "deployer-failover.json.tftpl"]),
            execution: Policy::load(&["failover-execution-role.json.tftpl"]),
            schedule: Policy::load(&["schedule-role.json.tftpl"]),
        }
    }

    fn of(&self, role: Role) -> &Policy {
        match role {
            Role::Base => &self.base,
            Role::Deployer => &self.deployer,
            Role::Execution => &self.execution,
            Role::Schedule => &self.schedule,
        }
    }
}

/// trdr's runbooks and watchers, by their physical names (src/naming.rs).
fn is_trdr_state_machine(name: &str) -> bool {
    glob("*-failover-*", name) || glob("*-watcher-*", name)
}

/// The role whose policy must grant this logged call, and a word on who made it; `None` for
/// calls not checked (the tests' own, foreign state machines, other tools).
fn classify(entry: &Json) -> Option<(Role, String)> {
    let caller = &entry["caller"];
    match caller["kind"].as_str()? {
        // The provider assumes its `assume_role` with the credentials it starts from; everything
        // else it calls as the role.
        "provider" if entry["operation"].as_str() == Some("AssumeRole") => Some((
            Role::Base,
            "the provider's own credentials (assume_role)".into(),
        )),
        "provider" => Some((Role::Deployer, "the provider".into())),
        "state-machine" => {
            let name = caller["state_machine"].as_str()?;
            is_trdr_state_machine(name).then(|| (Role::Execution, format!("state machine {name}")))
        }
        "scheduler" => {
            let target = strings(&entry["resources"]).join(" ");
            glob("*:stateMachine:*-watcher-*", &target).then(|| {
                (
                    Role::Schedule,
                    format!("schedule {}", caller["schedule"].as_str().unwrap_or("?")),
                )
            })
        }
        _ => None,
    }
}

#[derive(Default)]
struct Report {
    /// Checked calls per role.
    calls: BTreeMap<Role, usize>,
    /// Distinct granted actions per role.
    actions: BTreeMap<Role, BTreeSet<String>>,
    /// What a policy does not grant: the message, and how often it was seen.
    denied: BTreeMap<String, usize>,
    /// Lines that are not JSON.
    unreadable: usize,
}

impl Report {
    fn add(&mut self, line: &str, p: &Policies) {
        let Ok(entry) = serde_json::from_str::<Json>(line) else {
            self.unreadable += 1;
            return;
        };
        let Some((role, who)) = classify(&entry) else {
            return;
        };
        *self.calls.entry(role).or_default() += 1;
        let policy = p.of(role);
        let op = entry["operation"].as_str().unwrap_or("?");
        let region = entry["region"].as_str().unwrap_or("?");
        if entry["unmapped"] == true {
            let msg = format!(
                "{who} made a call the call log cannot name ({} {op} in {region}): map it in tests/sandbox/calllog.py",
                entry["service"].as_str().unwrap_or("?")
            );
            *self.denied.entry(msg).or_default() += 1;
            return;
        }
        let resources = strings(&entry["resources"]);
        for action in strings(&entry["actions"]) {
            if NEEDS_NO_PERMISSION.contains(&action.as_str()) {
                continue;
            }
            let missing: Vec<&String> = resources
                .iter()
                .filter(|r| !policy.allows(&action, Some(r)))
                .collect();
            let msg = if !policy.allows(&action, None) {
                Some(format!(
                    "{who} called {op} in {region}, which needs {action}: {} grants no {action} at all",
                    policy.file
                ))
            } else if !missing.is_empty() {
                Some(format!(
                    "{who} called {op} in {region}, which needs {action} on {}: {} grants {action} only on other resources",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    policy.file
                ))
            } else {
                None
            };
            match msg {
                Some(m) => *self.denied.entry(m).or_default() += 1,
                None => {
                    self.actions.entry(role).or_default().insert(action);
                }
            }
        }
    }

    /// Every problem, or nothing when the logs showed the policies suffice.
    fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .denied
            .iter()
            .map(|(m, n)| format!("{m} ({n}×)"))
            .collect();
        if self.calls.get(&Role::Deployer).copied().unwrap_or(0) == 0 {
            out.push("the logs hold no call of the provider: nothing was checked against the deployer policy".into());
        }
        if self.calls.get(&Role::Execution).copied().unwrap_or(0) == 0 {
            out.push("the logs hold no call of a runbook or watcher: nothing was checked against the execution role policy".into());
        }
        out
    }
}

fn log_files() -> Vec<PathBuf> {
    let place = std::env::var_os("TRDR_SANDBOX_CALL_LOGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sandbox-calls"));
    if place.is_file() {
        return vec![place];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&place)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_logged_call_is_granted_by_the_documented_policies() {
    let files = log_files();
    assert!(
        !files.is_empty(),
        "no sandbox call logs (target/sandbox-calls/*.jsonl, or TRDR_SANDBOX_CALL_LOGS): run the acceptance suite through `scripts/sandbox.sh run` first, which logs every call; `make test` does"
    );
    let policies = Policies::load();
    let mut report = Report::default();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            report.add(line, &policies);
        }
    }
    for (role, n) in &report.calls {
        let actions = report.actions.get(role).map(|a| a.len()).unwrap_or(0);
        eprintln!("{role:?}: {n} calls checked, {actions} distinct actions granted");
    }
    eprintln!("(from {} log file(s))", files.len());
    let problems = report.problems();
    assert!(
        problems.is_empty() && report.unreadable == 0,
        "the documented IAM policies (examples/permissions/) do not cover what the acceptance suite called ({} unreadable log lines):\n  {}",
        report.unreadable,
        problems.join("\n  ")
    );
}

#[test]
fn the_guide_and_the_json_policies_agree() {
    // docs/guides/permissions.md lists the JSON files, and every policy file is valid JSON once
    // rendered, with only the documented placeholders.
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/guides/permissions.md"
    ))
    .unwrap();
    let mut placeholders = 0;
    for entry in std::fs::read_dir(POLICY_DIR).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        if !file.ends_with(".json.tftpl") {
            continue;
        }
        assert!(
            guide.contains(&file),
            "templates/guides/permissions.md does not mention {file}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        Policy::parse(&file, &text);
        for part in text.split("${").skip(1) {
            let name = part.split('}').next().unwrap();
            placeholders += 1;
            assert!(
                guide.contains(&format!("| `{name}` |")),
                "{file} uses the placeholder ${{{name}}}, which the guide's table does not document"
            );
        }
    }
    assert!(placeholders > 20, "{placeholders} placeholders read");
}

#[cfg(test)]
mod checker {
    use super::*;

    const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["rds:Describe*", "states:StartExecution"],
         "Resource": ["arn:${partition}:rds::${account}:global-cluster:${name}-global-${environment_suffix}",
                      "arn:${partition}:states:*:${account}:stateMachine:${name}-failover-*-${environment_suffix}"]},
        {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
        {"Effect": "Deny", "Action": "rds:DeleteGlobalCluster", "Resource": "*"}
    ]}"#;

    fn policies() -> Policies {
        Policies {
            base: Policy::parse("base", POLICY),
            deployer: Policy::parse("deployer", POLICY),
            execution: Policy::parse("execution", POLICY),
            schedule: Policy::parse("schedule", POLICY),
        }
    }

    fn line(kind: &str, actions: &[&str], resources: &[&str]) -> String {
        let caller = match kind {
            "state-machine" => {
                serde_json::json!({"kind": kind, "state_machine": "t-watcher-us-east-2-dev"})
            }
            _ => serde_json::json!({"kind": kind}),
        };
        serde_json::json!({"region": "us-east-1", "service": "x", "operation": "Op",
            "actions": actions, "resources": resources, "caller": caller})
        .to_string()
    }

    fn check(lines: &[String]) -> Vec<String> {
        let p = policies();
        let mut r = Report::default();
        for l in lines {
            r.add(l, &p);
        }
        r.problems()
    }

    const GLOBAL: &str = "arn:aws:rds::000000000000:global-cluster:t-global-dev";

    #[test]
    fn granted_calls_pass() {
        let problems = check(&[
            line("provider", &["rds:DescribeGlobalClusters"], &[GLOBAL]),
            line("provider", &["sts:GetCallerIdentity"], &[]),
            line("state-machine", &["cloudwatch:PutMetricData"], &[]),
            line(
                "state-machine",
                &["states:StartExecution"],
                &["arn:aws:states:us-east-2:000000000000:stateMachine:t-failover-us-east-2-dev"],
            ),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_missing_action_fails() {
        let problems = check(&[
            line("provider", &["rds:DescribeGlobalClusters"], &[GLOBAL]),
            line("provider", &["rds:FailoverGlobalCluster"], &[GLOBAL]),
            line("state-machine", &["cloudwatch:PutMetricData"], &[]),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("rds:FailoverGlobalCluster") && problems[0].contains("at all")
        );
    }

    #[test]
    fn a_runbook_action_its_role_lacks_fails() {
        let problems = check(&[
            line("provider", &["rds:DescribeGlobalClusters"], &[GLOBAL]),
            line("state-machine", &["sns:Publish"], &[]),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("state machine t-watcher-us-east-2-dev"));
    }

    #[test]
    fn a_resource_outside_the_patterns_fails() {
        let problems = check(&[
            line(
                "provider",
                &["rds:DescribeGlobalClusters"],
                &["arn:aws:rds::000000000000:global-cluster:someone-elses"],
            ),
            line("state-machine", &["cloudwatch:PutMetricData"], &[]),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("only on other resources"));
    }

    #[test]
    fn a_deny_statement_grants_nothing() {
        let problems = check(&[
            line("provider", &["rds:DeleteGlobalCluster"], &[GLOBAL]),
            line("state-machine", &["cloudwatch:PutMetricData"], &[]),
        ]);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn an_unmapped_call_fails() {
        let mut unmapped: Json = serde_json::from_str(&line("provider", &["s3:?"], &[])).unwrap();
        unmapped["unmapped"] = Json::Bool(true);
        let problems = check(&[
            unmapped.to_string(),
            line("state-machine", &["cloudwatch:PutMetricData"], &[]),
        ]);
        assert!(
            problems.iter().any(|p| p.contains("cannot name")),
            "{problems:?}"
        );
    }

    #[test]
    fn no_calls_or_no_runbook_calls_fail() {
        assert_eq!(check(&[]).len(), 2);
        let only_provider = check(&[line("provider", &["rds:DescribeGlobalClusters"], &[GLOBAL])]);
        assert_eq!(only_provider.len(), 1, "{only_provider:?}");
        assert!(only_provider[0].contains("runbook or watcher"));
    }

    #[test]
    fn the_tests_own_calls_and_foreign_state_machines_are_not_checked() {
        let mut foreign: Json =
            serde_json::from_str(&line("state-machine", &["iam:CreateRole"], &[])).unwrap();
        foreign["caller"]["state_machine"] = Json::from("foreign-3");
        let problems = check(&[
            line("test", &["iam:CreateRole"], &[]),
            line("other", &["sqs:CreateQueue"], &[]),
            foreign.to_string(),
            line("provider", &["rds:DescribeGlobalClusters"], &[GLOBAL]),
            line("state-machine", &["cloudwatch:PutMetricData"], &[]),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(glob("rds:describe*", "rds:describeglobalclusters"));
        assert!(glob(
            "arn:aws:s3:::*-*-*/*",
            "arn:aws:s3:::t-data-us-east-1-dev/a/b"
        ));
        assert!(glob("secret:x-??????", "secret:x-AbC123"));
        assert!(!glob("secret:x-??????", "secret:x-AbC12"));
        assert!(!glob(
            "arn:aws:rds::*:global-cluster:t-global-dev",
            "arn:aws:rds::1:global-cluster:t-global-dev2"
        ));
        assert_eq!(
            render("arn:${partition}:s3:::${name}-x"),
            "arn:aws:s3:::*-x"
        );
    }
}
