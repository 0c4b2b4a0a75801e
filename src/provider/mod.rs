//! The provider itself: its configuration and the context every resource reads it from.

pub mod config;

use std::sync::{Arc, RwLock};

use crate::aws::clients::{Clients, RegionClients};
use crate::framework::Diagnostics;
use config::ProviderConfig;

/// The configured provider: typed settings plus the shared clients.
pub struct Configured {
    pub config: ProviderConfig,
    pub clients: Clients,
}

impl Configured {
    pub fn region(&self, region: &str) -> Arc<RegionClients> {
        self.clients.region(region)
    }

    /// The account id, when STS could tell ([`Clients::account`]).
    pub async fn account(&self) -> Option<String> {
        self.clients.account().await
    }
}

/// Shared by the provider and every resource; filled in by `ConfigureProvider`.
#[derive(Default)]
pub struct ProviderContext {
    configured: RwLock<Option<Arc<Configured>>>,
    /// Cancelled when Terraform sends `StopProvider` ([`crate::stop`]).
    stop: crate::stop::Signal,
}

impl ProviderContext {
    /// Terraform asked the provider to stop: every call in flight winds down, no AWS call starts.
    pub fn stop(&self) {
        tracing::warn!("Terraform asked the provider to stop: calls in flight wind down, no further AWS call is made");
        self.stop.cancel();
    }

    /// The stop signal, for the calls the protocol layer runs and the clients it configures.
    pub fn stop_signal(&self) -> crate::stop::Signal {
        self.stop.clone()
    }

    pub fn set(&self, configured: Configured) {
        *self.configured.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(configured));
    }

    /// The configuration if `ConfigureProvider` has run (it has, before any plan or apply).
    pub fn get(&self) -> Option<Arc<Configured>> {
        self.configured
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn require(&self, diags: &mut Diagnostics) -> Option<Arc<Configured>> {
        let c = self.get();
        if c.is_none() {
            diags.error(
                None,
                "Provider not configured",
                "The trdr provider's configuration has unknown values; set them from values known before apply.",
            );
        }
        c
    }
}
