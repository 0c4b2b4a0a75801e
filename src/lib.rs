//! trdr: a Terraform/OpenTofu provider for a two-region AWS disaster-recovery topology.
//!
//! Layout:
//! - [`framework`]: our plugin framework — values, typed attribute declarations
//!   ([`framework::attr`]: name, default, validators stated once), schemas, diagnostics, the
//!   generic planner and the [`framework::ResourceType`] contract. Knows neither the wire nor AWS.
//! - [`protocol`]: plugin protocol 6 through the `tf-provider` crate; the only code that knows it.
//! - [`provider`]: the `provider "trdr"` block and the context resources read it from.
//! - [`aws`]: shared per-region clients, error classification, thin per-service operations.
//! - Shared machinery of every composite resource: [`waiter`] (backoff polling bounded by
//!   [`timeouts`]), [`steps`] (ordered, parallel, resumable steps across regions), [`naming`],
//!   [`tags`], [`ownership`] (which create owns an object).
//! - [`resources`]: one module per composite resource, each a [`resources::composite::Composite`]
//!   (the lifecycle — claim, converge under one deadline, read back, mark — written once);
//!   [`data_sources`]: the data sources; [`actions`]: the actions (drill, switchover, failover).

pub mod actions;
pub mod aws;
pub mod data_sources;
pub mod docs;
pub mod framework;
pub mod naming;
pub mod ownership;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod steps;
pub mod stop;
pub mod tags;
pub mod timeouts;
pub mod waiter;

use std::sync::Arc;

/// The provider's registry address.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/trdr-dev/trdr";

/// Every resource type, sharing one provider context.
pub fn resources(ctx: &Arc<provider::ProviderContext>) -> Vec<Arc<dyn framework::ResourceType>> {
    vec![
        Arc::new(resources::failover_orchestrator::FailoverOrchestrator::new(
            ctx.clone(),
        )),
        Arc::new(resources::global_database::GlobalDatabase::new(ctx.clone())),
        Arc::new(resources::regional_stack::RegionalStack::new(ctx.clone())),
    ]
}

/// Every data source, sharing the provider context.
pub fn data_sources(
    ctx: &Arc<provider::ProviderContext>,
) -> Vec<Arc<dyn framework::DataSourceType>> {
    vec![Arc::new(
        data_sources::failover_readiness::FailoverReadiness::new(ctx.clone()),
    )]
}

/// Every action, sharing the provider context.
pub fn actions(ctx: &Arc<provider::ProviderContext>) -> Vec<Arc<dyn framework::ActionType>> {
    actions::all(ctx)
}

/// Serves the provider over plugin protocol 6 until Terraform shuts it down.
pub async fn serve() -> anyhow::Result<()> {
    // Both the AWS SDK (aws-lc-rs) and tonic (ring) bring a TLS crypto backend, so rustls cannot
    // pick one by itself. The plugin's mTLS with Terraform needs aws-lc-rs: Terraform's client
    // certificate is ECDSA P-521 / SHA-512, which ring cannot verify, and the patched tf-provider
    // requires that certificate (vendor/tf-provider/NOTICE).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    ignore_interrupts()?;
    let ctx = Arc::new(provider::ProviderContext::default());
    let p = protocol::tf6::Tf6Provider::new(
        ctx.clone(),
        resources(&ctx),
        data_sources(&ctx),
        actions(&ctx),
    );
    tf_provider::serve("trdr", p).await
}

/// Ctrl-C in a terminal interrupts Terraform's whole process group, the plugin included. As with
/// go-plugin's plugins, the interrupt is Terraform's to handle: it sends `StopProvider`, waits for
/// the calls in flight and then closes the plugin. Dying on SIGINT instead would lose the state of
/// everything in flight.
fn ignore_interrupts() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupts = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            tracing::debug!("interrupt received: ignored, Terraform sends StopProvider");
        }
    });
    Ok(())
}
