//! Each of our resource, data source and action types behind the `tf-provider` trait for it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::framework::{ActionType, DataSourceType, Diagnostics, ResourceType, Schema, Value};
use crate::provider::ProviderContext;
use crate::stop;

use super::convert::to_tf_schema;
use super::guard;

/// One of our resource, data source or action types behind the crate's trait for it: the type,
/// its schema (assembled once) and the stop signal its calls wind down on.
pub(super) struct Adapter<T: ?Sized> {
    pub(super) inner: Arc<T>,
    pub(super) schema: Schema,
    pub(super) stop: stop::Signal,
}

pub(super) type Tf6Resource = Adapter<dyn ResourceType>;
pub(super) type Tf6DataSource = Adapter<dyn DataSourceType>;
pub(super) type Tf6Action = Adapter<dyn ActionType>;

/// What every adapted type has: a name, a schema and the checks of its configuration alone.
pub(super) trait Adaptable: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
}

macro_rules! adaptable {
    ($($contract:ident),*) => {$(
        impl Adaptable for dyn $contract {
            fn name(&self) -> &'static str {
                $contract::name(self)
            }
            fn schema(&self) -> Schema {
                $contract::schema(self)
            }
            fn validate(&self, config: &Value, diags: &mut Diagnostics) {
                $contract::validate(self, config, diags)
            }
        }
    )*};
}
adaptable!(ResourceType, DataSourceType, ActionType);

impl<T: ?Sized + Adaptable> Adapter<T> {
    pub(super) fn new(inner: &Arc<T>, ctx: &ProviderContext) -> Self {
        Adapter {
            schema: inner.schema(),
            inner: inner.clone(),
            stop: ctx.stop_signal(),
        }
    }

    pub(super) fn tf_schema(&self) -> tf_provider::schema::Schema {
        to_tf_schema(&self.schema)
    }

    /// The configuration's checks, a panic among them an error diagnostic.
    pub(super) async fn check(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: &Value,
    ) -> Option<()> {
        guard::guarded(diags, "validation", async {
            let mut d = Diagnostics::default();
            self.inner.validate(config, &mut d);
            (Some(()), d)
        })
        .await
    }
}

/// Each of `items` adapted, by its type name, boxed as the crate wants it.
pub(super) fn adapted<T: ?Sized + Adaptable, B>(
    items: &[Arc<T>],
    ctx: &ProviderContext,
    boxed: impl Fn(Adapter<T>) -> B,
) -> HashMap<String, B> {
    items
        .iter()
        .map(|i| (i.name().to_string(), boxed(Adapter::new(i, ctx))))
        .collect()
}
