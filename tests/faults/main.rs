//! The fault suite: the provider against a slow, flaky AWS (`trdr_testing::proxy`, a dev-only crate, in front of
//! the sandbox), crashes at many moments of an apply and a destroy, a matrix of bad input, and
//! secrets in logs and state. `make test-faults` runs everything (`TRDR_FAULTS_FULL=1`); `make
//! test` runs a reduced crash matrix.

#[path = "../acceptance/support/mod.rs"]
mod support;

mod bad_input;
mod crashes;
mod flaky_aws;
mod protocol;
mod secrets;

/// All moments of the crash matrix, or a reduced set for CI.
pub fn full() -> bool {
    std::env::var("TRDR_FAULTS_FULL").as_deref() == Ok("1")
}
