//! Figures the documentation quotes are produced by the script that computes them: a test fails
//! when the guide's copy differs from what the script prints now.

use std::path::Path;
use std::process::Command;

const GUIDE: &str = "templates/guides/failover-operations.md";
const BEGIN: &str = "<!-- cost.py: begin -->\n";
const END: &str = "<!-- cost.py: end -->";

/// The monthly cost of `examples/two-region-dr` in the failover guide is `scripts/cost.py`'s
/// table, unedited.
#[test]
fn the_guides_monthly_cost_is_what_scripts_cost_py_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(root.join("scripts/cost.py"))
        .output()
        .expect("python3 runs scripts/cost.py");
    assert!(
        out.status.success(),
        "scripts/cost.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("cost.py prints UTF-8");
    let guide = std::fs::read_to_string(root.join(GUIDE)).expect("the failover guide");
    let start = guide
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{GUIDE} has the marker {BEGIN:?}"))
        + BEGIN.len();
    let len = guide[start..]
        .find(END)
        .unwrap_or_else(|| panic!("{GUIDE} has the marker {END:?}"));
    assert_eq!(
        &guide[start..start + len],
        printed,
        "{GUIDE}'s cost table is not scripts/cost.py's output: run `python3 scripts/cost.py --write`, then `make docs`"
    );
}
