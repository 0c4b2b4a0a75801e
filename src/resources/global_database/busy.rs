//! RDS refuses a call on an object that is busy (promoting, modifying, deleting) and takes it
//! once the object settles: such calls are retried for as long as the budget allows.

use std::time::Duration;

use crate::aws::errors::{AwsError, ErrorKind};
use crate::steps::Failure;
use crate::waiter;

/// Retries `op` while RDS says the object is busy, up to `timeout`.
pub(super) async fn when_settled<F, Fut>(
    what: &str,
    timeout: Duration,
    op: F,
) -> Result<(), Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    waiter::retry_while(what, timeout, |e| e.is(ErrorKind::Conflict), op).await?;
    Ok(())
}
