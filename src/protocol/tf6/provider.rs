//! The provider's own RPCs: its schema, the validation and configuration of the provider block,
//! `StopProvider`, and the types it serves.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema as tfs;
use tf_provider::{DynamicDataSource, DynamicResource};

use crate::framework::{ActionType, DataSourceType, Diagnostics, ResourceType, Value};
use crate::provider::config::{self, ProviderConfig};
use crate::provider::{Configured, ProviderContext};

use super::adapter::adapted;
use super::convert::to_tf_schema;
use super::guard::guarded;

pub struct Tf6Provider {
    ctx: Arc<ProviderContext>,
    resources: Vec<Arc<dyn ResourceType>>,
    data_sources: Vec<Arc<dyn DataSourceType>>,
    actions: Vec<Arc<dyn ActionType>>,
}

impl Tf6Provider {
    pub fn new(
        ctx: Arc<ProviderContext>,
        resources: Vec<Arc<dyn ResourceType>>,
        data_sources: Vec<Arc<dyn DataSourceType>>,
        actions: Vec<Arc<dyn ActionType>>,
    ) -> Self {
        Tf6Provider {
            ctx,
            resources,
            data_sources,
            actions,
        }
    }
}

#[async_trait]
impl tf_provider::Provider for Tf6Provider {
    type Config<'a> = Value;
    type MetaState<'a> = Value;

    fn schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        Some(to_tf_schema(&config::schema()))
    }

    /// `StopProvider`: every call in flight winds down ([`crate::stop`]).
    fn stop(&self) {
        self.ctx.stop();
    }

    async fn validate<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
    ) -> Option<()> {
        guarded(diags, "provider validation", async {
            let mut d = Diagnostics::default();
            config::validate(&config, &mut d);
            (Some(()), d)
        })
        .await
    }

    async fn configure<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        terraform_version: String,
        config: Value,
    ) -> Option<()> {
        guarded(diags, "provider configuration", async {
            let mut d = Diagnostics::default();
            if !config.is_wholly_known() {
                // Terraform configures again once the values are known (e.g. during apply).
                return (Some(()), d);
            }
            let Some(cfg) = ProviderConfig::from_value(&config, &mut d) else {
                return (Some(()), d);
            };
            tracing::info!(
                terraform_version,
                primary = %cfg.primary_region,
                secondary = %cfg.secondary_region,
                sandbox = cfg.endpoint_url.is_some(),
                "provider configured"
            );
            let clients = crate::aws::clients::Clients::new(&cfg, self.ctx.stop_signal()).await;
            self.ctx.set(Configured {
                config: cfg,
                clients,
            });
            (Some(()), d)
        })
        .await
    }

    fn get_resources(
        &self,
        _diags: &mut tf_provider::Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(adapted(&self.resources, &self.ctx, |a| Box::new(a) as _))
    }

    fn get_actions(
        &self,
        _diags: &mut tf_provider::Diagnostics,
    ) -> Option<HashMap<String, Box<dyn tf_provider::DynamicAction>>> {
        Some(adapted(&self.actions, &self.ctx, |a| Box::new(a) as _))
    }

    fn get_data_sources(
        &self,
        _diags: &mut tf_provider::Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(adapted(&self.data_sources, &self.ctx, |a| Box::new(a) as _))
    }
}
