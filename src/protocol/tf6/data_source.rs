//! Data sources: `ValidateDataResourceConfig` and `ReadDataSource`.

use async_trait::async_trait;
use tf_provider::schema as tfs;

use crate::framework::{plan, Diagnostics, Value};

use super::adapter::Tf6DataSource;
use super::guard::call;

#[async_trait]
impl tf_provider::DataSource for Tf6DataSource {
    type State<'a> = Value;
    type ProviderMetaState<'a> = Value;

    fn schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        Some(self.tf_schema())
    }

    async fn validate<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
    ) -> Option<()> {
        self.check(diags, &config).await
    }

    async fn read<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
        _meta: Value,
    ) -> Option<Value> {
        let read = call(diags, &self.stop, "read", || None, async {
            let mut d = Diagnostics::default();
            let out = self.inner.read(&config, &mut d).await;
            (out, d)
        })
        .await?;
        Some(plan::conform(&self.schema.block, &read))
    }
}
