//! Reading the repository's own files from test crates (`#[path]`-included by tests/docs.rs and
//! tests/examples.rs, so each crate does not walk folders its own way).

use std::path::{Path, PathBuf};

/// Every file under `dir` whose name ends with one of `exts`, sorted, skipping hidden folders
/// (Terraform's `.terraform`, build output).
pub fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                if !name.starts_with('.') {
                    todo.push(p);
                }
            } else if exts.iter().any(|x| name.ends_with(x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
