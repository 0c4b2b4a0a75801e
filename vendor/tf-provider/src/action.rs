// trdr: provider-defined actions (plugin protocol 6.10), added to the vendored crate (see NOTICE).

//! [`Action`]: an operation Terraform runs with `terraform apply -invoke=action.TYPE.NAME` or an
//! `action_trigger`: validated, planned, then invoked while it reports its progress.

use async_trait::async_trait;
use serde::Deserialize;

use crate::diagnostics::Diagnostics;
use crate::raw::RawValue;
use crate::schema::Schema;

/// Where an invoked action reports its progress: each message becomes one `Progress` event.
pub type Progress = tokio::sync::mpsc::UnboundedSender<String>;

/// An action with its configuration deserialized at the border of the request.
#[async_trait]
pub trait Action: Send + Sync {
    type Config<'a>: Deserialize<'a> + Send;

    /// The action's configuration schema.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// `ValidateActionConfig`: the configuration alone.
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// `PlanAction`: whether it can run as configured; an error refuses it before anything runs.
    async fn plan<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// `InvokeAction`: runs it, sending progress messages; its diagnostics end the run.
    async fn invoke<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>, progress: Progress);
}

/// An action without the deserialization: what the server holds.
#[async_trait]
pub trait DynamicAction: Send + Sync + 'static {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    async fn plan(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    async fn invoke(&self, diags: &mut Diagnostics, config: RawValue, progress: Progress);
}

#[async_trait]
impl<T: Action + 'static> DynamicAction for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        <T as Action>::schema(self, diags)
    }
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as Action>::validate(self, diags, config).await
    }
    async fn plan(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as Action>::plan(self, diags, config).await
    }
    async fn invoke(&self, diags: &mut Diagnostics, config: RawValue, progress: Progress) {
        if let Some(config) = config.deserialize(diags) {
            <T as Action>::invoke(self, diags, config, progress).await
        }
    }
}
