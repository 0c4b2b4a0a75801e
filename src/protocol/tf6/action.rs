//! Actions: `ValidateActionConfig`, `PlanAction` and `InvokeAction`.

use async_trait::async_trait;
use tf_provider::schema as tfs;

use crate::framework::{Diagnostics, Value};

use super::adapter::Tf6Action;
use super::guard::call;

#[async_trait]
impl tf_provider::Action for Tf6Action {
    type Config<'a> = Value;

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

    async fn plan<'a>(&self, diags: &mut tf_provider::Diagnostics, config: Value) -> Option<()> {
        call(diags, &self.stop, "action plan", || Some(()), async {
            let mut d = Diagnostics::default();
            self.inner.plan(&config, &mut d).await;
            (Some(()), d)
        })
        .await
    }

    async fn invoke<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
        progress: tf_provider::Progress,
    ) {
        let send = move |line: String| {
            let _ = progress.send(line);
        };
        let _ = call(diags, &self.stop, "action", || Some(()), async {
            let mut d = Diagnostics::default();
            self.inner.invoke(&config, &send, &mut d).await;
            (Some(()), d)
        })
        .await;
    }
}
