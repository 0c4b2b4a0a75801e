//! The readiness report: each check's name, status and detail, and whether they add up to ready.

use crate::aws::errors::AwsError;
use crate::framework::Value;

use super::schema::CHECK_FIELDS;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// The check could not read its data: not ready, and the detail says why.
    Unknown,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }

    /// `Pass` when `ok`, else `Fail`.
    pub(super) fn pass_if(ok: bool) -> Self {
        if ok {
            Status::Pass
        } else {
            Status::Fail
        }
    }
}

#[derive(Default)]
pub(super) struct Checks(Vec<(String, Status, String)>);

impl Checks {
    pub(super) fn add(&mut self, name: &str, status: Status, detail: impl Into<String>) {
        self.0.push((name.to_string(), status, detail.into()));
    }

    pub(super) fn ready(&self) -> bool {
        self.0
            .iter()
            .all(|(_, s, _)| !matches!(s, Status::Fail | Status::Unknown))
    }

    /// A check whose data could not be read: `unknown`, with the call that failed and why.
    pub(super) fn unreadable(&mut self, name: &str, e: &AwsError) {
        self.add(name, Status::Unknown, format!("could not be read: {e}"));
    }

    pub(super) fn to_value(&self) -> Value {
        Value::List(
            self.0
                .iter()
                .map(|(n, s, d)| {
                    let [name, status, detail] = CHECK_FIELDS;
                    let mut v = Value::object();
                    v.set(name, n.clone());
                    v.set(status, s.as_str());
                    v.set(detail, d.clone());
                    v
                })
                .collect(),
        )
    }
}
