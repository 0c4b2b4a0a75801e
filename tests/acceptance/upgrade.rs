//! State from one release read by the next (issue 34). Each directory of
//! `tests/fixtures/state` holds what a release's provider wrote for the whole topology (its
//! `terraform.tfstate`, as Terraform saved it after a real apply against the sandbox), the
//! configuration that produced it (`main.tf`) and how it was made (`fixture.json`). The test
//! recreates the same objects with this build from that configuration, puts the fixture's state
//! in place of the one this build wrote (only the identifiers AWS assigns anew on every create
//! are taken from the new objects), and plans: no change, no replacement. An apply then stores
//! every resource at this build's schema version.
//!
//! `scripts/state-fixtures.sh` writes a fixture (this file's `write_fixture`, run with
//! `TRDR_WRITE_STATE_FIXTURE`); a release that changes stored state adds its own.

use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use crate::orchestrator::writer;
use crate::support::topology::{fixtures, topology, with_automatic_failover};
use crate::workspace;

/// Each resource's schema version in this build (src/resources/mod.rs pins the same).
const SCHEMA_VERSIONS: &[(&str, i64)] = &[
    ("trdr_failover_orchestrator", 1),
    ("trdr_global_database", 0),
    ("trdr_regional_stack", 0),
];

/// Attributes AWS gives a new value on every create, so a recreated object has its own: taken
/// from the state this build wrote, everything else is the fixture's.
const ASSIGNED: &[(&str, &[&str])] = &[
    ("trdr_failover_orchestrator", &["health_check_ids"]),
    ("trdr_global_database", &["master_user_secret_arn"]),
    ("trdr_regional_stack", &["stream_arn"]),
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state")
}

/// The configuration every fixture is made from: the topology with automatic failover.
fn configuration(f: &crate::support::topology::Fixtures) -> String {
    with_automatic_failover(&topology(f, 600), "    failure_window_seconds = 60")
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The state's resources: (type, schema version, attributes).
fn resources(state: &Json) -> Vec<(String, i64, Json)> {
    state["resources"]
        .as_array()
        .expect("a state's resources")
        .iter()
        .filter(|r| r["mode"] == "managed")
        .map(|r| {
            let i = &r["instances"][0];
            (
                r["type"].as_str().unwrap().to_string(),
                i["schema_version"].as_i64().unwrap(),
                i["attributes"].clone(),
            )
        })
        .collect()
}

/// Writes the fixture `TRDR_WRITE_STATE_FIXTURE` names: applies the configuration with the
/// provider in `TRDR_FIXTURE_PROVIDER_DIR` (this build's without it), keeps what Terraform saved,
/// then destroys.
async fn write_fixture(name: &str) {
    let mut ws = workspace!("fx");
    ws.suffix = format!("fx{}", name.replace(['.', '-'], "").to_lowercase());
    if let Ok(dir) = std::env::var("TRDR_FIXTURE_PROVIDER_DIR") {
        ws = ws.with_plugin_dir(Path::new(&dir));
    }
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    ws.write(&configuration(&f));
    ws.apply();
    let dir = fixtures_dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(ws.path().join("main.tf"), dir.join("main.tf")).unwrap();
    let state = read_json(&ws.path().join("terraform.tfstate"));
    std::fs::write(
        dir.join("terraform.tfstate"),
        serde_json::to_string_pretty(&state).unwrap() + "\n",
    )
    .unwrap();
    let versions: serde_json::Map<String, Json> = resources(&state)
        .into_iter()
        .map(|(t, v, _)| (t, json!(v)))
        .collect();
    let meta = json!({
        "written_by": {
            "provider_version": std::env::var("TRDR_FIXTURE_VERSION").expect("TRDR_FIXTURE_VERSION"),
            "commit": std::env::var("TRDR_FIXTURE_COMMIT").expect("TRDR_FIXTURE_COMMIT"),
            "src_tree": std::env::var("TRDR_FIXTURE_SRC_TREE").expect("TRDR_FIXTURE_SRC_TREE"),
        },
        "terraform_version": state["terraform_version"],
        "suffix": ws.suffix,
        "zone_id": f.zone_id,
        "schema_versions": versions,
    });
    std::fs::write(
        dir.join("fixture.json"),
        serde_json::to_string_pretty(&meta).unwrap() + "\n",
    )
    .unwrap();
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// `old`'s attributes with the [`ASSIGNED`] ones of the matching resource in `fresh`.
fn with_assigned(old: &Json, fresh: &Json) -> Json {
    let mut out = old.clone();
    let fresh_of = |r: &Json| {
        fresh["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["type"] == r["type"] && f["name"] == r["name"])
            .cloned()
            .unwrap_or_else(|| panic!("{} {} recreated", r["type"], r["name"]))
    };
    for r in out["resources"].as_array_mut().unwrap() {
        if r["mode"] != "managed" {
            continue;
        }
        let f = fresh_of(r);
        let kind = r["type"].as_str().unwrap().to_string();
        let keys = ASSIGNED
            .iter()
            .find(|(t, _)| *t == kind)
            .map_or(&[][..], |(_, k)| k);
        for key in keys {
            r["instances"][0]["attributes"][key] = f["instances"][0]["attributes"][key].clone();
        }
    }
    out
}

async fn plan_over(name: &str) {
    let dir = fixtures_dir().join(name);
    let meta = read_json(&dir.join("fixture.json"));
    let mut ws = workspace!("fx");
    ws.suffix = meta["suffix"].as_str().unwrap().to_string();
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    // The fixture's configuration, with this sandbox's hosted zone.
    let old_zone = meta["zone_id"].as_str().unwrap();
    let config = std::fs::read_to_string(dir.join("main.tf"))
        .unwrap()
        .replace(old_zone, &f.zone_id);
    assert_ne!(old_zone, f.zone_id);
    ws.write_main(&config);
    ws.apply();

    let fresh = read_json(&ws.path().join("terraform.tfstate"));
    let fixture: Json = serde_json::from_str(
        &std::fs::read_to_string(dir.join("terraform.tfstate"))
            .unwrap()
            .replace(old_zone, &f.zone_id),
    )
    .unwrap();
    let mut old = with_assigned(&fixture, &fresh);
    old["serial"] = json!(fresh["serial"].as_i64().unwrap() + 1);
    old["lineage"] = fresh["lineage"].clone();
    std::fs::write(
        ws.path().join("terraform.tfstate"),
        serde_json::to_string_pretty(&old).unwrap(),
    )
    .unwrap();

    let release = !meta["written_by"]["provider_version"]
        .as_str()
        .unwrap()
        .contains("-dev");
    if release {
        // Plans no change and no replacement over the release's state.
        ws.assert_plan_empty();
    } else {
        // A development build's runbooks and watchers are brought up to date in place; the
        // upgraded state is what this build would store.
        let plan = plan_json(&ws);
        for c in plan["resource_changes"].as_array().unwrap() {
            let actions = &c["change"]["actions"];
            assert!(
                actions == &json!(["no-op"])
                    || actions == &json!(["update"])
                    || actions == &json!(["read"]),
                "{name}: {} plans {actions}",
                c["address"]
            );
            if c["type"] == "trdr_failover_orchestrator" {
                let before = &c["change"]["before"]["automatic_failover"][0];
                let after = &c["change"]["after"]["automatic_failover"][0];
                assert_eq!(before["paused"], Json::Null, "{name}: upgraded paused");
                assert_eq!(after["paused"], Json::Null, "{name}: planned paused");
            }
        }
        let out = ws.apply();
        assert!(
            out.contains("0 added,") && out.contains("0 destroyed"),
            "{out}"
        );
        ws.assert_plan_empty();
    }
    // An apply stores each resource at this build's schema version, with nothing to change.
    let out = ws.apply();
    assert!(out.contains("0 added, 0 changed, 0 destroyed"), "{out}");
    let now = read_json(&ws.path().join("terraform.tfstate"));
    for (kind, version, _) in resources(&now) {
        let want = SCHEMA_VERSIONS
            .iter()
            .find(|(t, _)| *t == kind)
            .map(|(_, v)| *v);
        assert_eq!(Some(version), want, "{kind} stored at this build's version");
    }
    assert_eq!(writer(&ws).await, "us-east-1");
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// The plan as `terraform show -json` reports it.
fn plan_json(ws: &crate::support::Workspace) -> Json {
    let out = ws.run(&["plan", "-input=false", "-out=upgrade.tfplan"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = ws.run(&["show", "-json", "upgrade.tfplan"]);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    serde_json::from_slice(&shown.stdout).unwrap()
}

/// Every fixture directory, in name order.
fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/state")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| fixtures_dir().join(n).join("fixture.json").exists())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn state_written_by_each_release_plans_no_change_under_this_build() {
    if let Ok(name) = std::env::var("TRDR_WRITE_STATE_FIXTURE") {
        write_fixture(&name).await;
        return;
    }
    let names = fixture_names();
    // 0.1.0's own state, and a development build's at an older schema version (an upgrader).
    for must in ["0.1.0", "schema-0"] {
        assert!(
            names.iter().any(|n| n == must),
            "fixture {must} in {names:?}"
        );
    }
    for name in &names {
        eprintln!("state fixture {name}");
        plan_over(name).await;
    }
}

#[test]
fn each_fixture_records_its_provider_and_its_schema_versions() {
    for name in fixture_names() {
        let dir = fixtures_dir().join(&name);
        let meta = read_json(&dir.join("fixture.json"));
        let state = read_json(&dir.join("terraform.tfstate"));
        let kinds: Vec<(String, i64)> = resources(&state)
            .into_iter()
            .map(|(t, v, _)| (t, v))
            .collect();
        assert_eq!(kinds.len(), 4, "{name}: four resources");
        for (kind, version) in kinds {
            assert_eq!(
                meta["schema_versions"][&kind],
                json!(version),
                "{name}: {kind}"
            );
            let current = SCHEMA_VERSIONS.iter().find(|(t, _)| *t == kind).unwrap().1;
            assert!(
                version <= current,
                "{name}: {kind} at {version}, newer than this build"
            );
        }
        for key in ["provider_version", "commit", "src_tree"] {
            assert!(
                meta["written_by"][key]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{name}: {key}"
            );
        }
        let config = std::fs::read_to_string(dir.join("main.tf")).unwrap();
        assert!(
            config.contains(meta["suffix"].as_str().unwrap()),
            "{name}: main.tf made it"
        );
    }
}
