//! `terraform test` on the module users copy: examples/modules/dr-core/tests, with a mocked trdr
//! (wiring, variable validation) and with the real provider against the sandbox (names and the
//! RTO budget at plan time).

use std::path::Path;

use crate::workspace;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_dr_core_module_passes_its_terraform_tests() {
    let ws = workspace!("tftest");
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/modules/dr-core");
    copy_dir(&module, ws.path());
    let files: Vec<String> = std::fs::read_dir(ws.path().join("tests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tftest.hcl"))
        .collect();
    assert!(files.len() >= 2, "unit and plan tests: {files:?}");

    let out = ws.run(&["test"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "terraform test failed:\n{text}");
    for run in [
        "secondary_replicates_the_primary_and_the_runbooks_follow_the_database",
        "a_bad_environment_suffix_is_refused_by_the_module",
        "names_are_known_at_plan",
        "what_trdr_controls_fits_the_rto_target",
    ] {
        let passed = format!("run \"{run}\"... pass");
        assert!(text.contains(&passed), "{passed:?} missing:\n{text}");
    }
    assert!(text.contains("0 failed"), "{text}");

    // The module's own example (examples/basic) validates against the real provider's schema:
    // its inputs and the module's wiring. The workspace serves the provider by dev override, so
    // only the module is installed (`get`), as `init` would.
    let (ok, get) = ws.run_in("examples/basic", &["get"]);
    assert!(ok, "terraform get in examples/basic failed:\n{get}");
    let (ok, validate) = ws.run_in("examples/basic", &["validate"]);
    assert!(
        ok && validate.contains("The configuration is valid"),
        "examples/basic does not validate:\n{validate}"
    );
}
