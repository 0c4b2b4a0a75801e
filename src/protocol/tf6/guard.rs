//! How every call runs: a panic becomes an error diagnostic instead of a crashed plugin, and a
//! call still running after Terraform's stop is abandoned with an error saying so.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::framework::Diagnostics;
use crate::stop;

use super::convert::push;

/// Runs one call of a resource or data source: [`guarded`], with the stop signal in scope
/// ([`crate::stop`]). A call still running [`stop::GRACE`] after the stop is abandoned: it returns
/// `fallback`, which must describe what may exist, and an error saying so.
pub(super) async fn call<T>(
    diags: &mut tf_provider::Diagnostics,
    signal: &stop::Signal,
    call: &str,
    fallback: impl FnOnce() -> Option<T>,
    f: impl Future<Output = (Option<T>, Diagnostics)>,
) -> Option<T> {
    guarded(diags, call, stoppable(signal, call, fallback, f)).await
}

async fn stoppable<T>(
    signal: &stop::Signal,
    call: &str,
    fallback: impl FnOnce() -> Option<T>,
    f: impl Future<Output = (Option<T>, Diagnostics)>,
) -> (Option<T>, Diagnostics) {
    match stop::scope(signal.clone(), stop::bounded(f)).await {
        Some(out) => out,
        None => {
            let mut d = Diagnostics::default();
            d.error(
                None,
                format!("Stopped before finishing: {call}"),
                format!(
                    "Terraform asked the provider to stop (interrupt) and the {call} did not wind down within {} s (a request to AWS was not answering), so it was abandoned. Run the same command again: it converges from what exists.",
                    stop::GRACE.as_secs()
                ),
            );
            (fallback(), d)
        }
    }
}

/// Runs one provider call, turning a panic into an error diagnostic instead of a crashed plugin.
pub(super) async fn guarded<T>(
    diags: &mut tf_provider::Diagnostics,
    what: &str,
    f: impl Future<Output = (Option<T>, Diagnostics)>,
) -> Option<T> {
    match AssertUnwindSafe(f).catch_unwind().await {
        Ok((out, ours)) => {
            push(diags, ours);
            out
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(call = what, panic = %msg, "provider bug: panic caught");
            diags.root_error(
                format!("Internal error in the trdr provider during {what}"),
                format!("{msg}\n\nPlease report this as a bug. No further changes were made by this call."),
            );
            None
        }
    }
}
