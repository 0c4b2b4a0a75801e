//! Diagnostics: warnings and errors, each optionally about one attribute path. Appended, never
//! thrown away; the protocol adapter turns them into Terraform diagnostics.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Attr(String),
    Index(usize),
    Key(String),
}

/// Where in a configuration a diagnostic points, e.g. `primary.instance_count`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Step>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    pub fn attr(name: &str) -> Self {
        Path(vec![Step::Attr(name.to_string())])
    }

    pub fn then(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Step::Attr(name.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Step::Index(i));
        p
    }

    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Step::Key(k.to_string()));
        p
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for step in &self.0 {
            match step {
                Step::Attr(a) if first => write!(f, "{a}")?,
                Step::Attr(a) => write!(f, ".{a}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::Key(k) => write!(f, "[{k:?}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<Path>,
}

#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn error(
        &mut self,
        path: Option<Path>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.0.push(Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path,
        });
    }

    /// An error about one attribute; the summary names it so it reads well in any UI.
    pub fn attr_error(&mut self, path: &Path, detail: impl Into<String>) {
        self.error(
            Some(path.clone()),
            format!("Invalid value for \"{path}\""),
            detail,
        );
    }

    pub fn warning(
        &mut self,
        path: Option<Path>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.0.push(Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }
}
