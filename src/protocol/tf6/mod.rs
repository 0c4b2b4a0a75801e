//! Adapter from our framework to plugin protocol 6 through the `tf-provider` crate. This is the
//! only module that knows that crate; replacing the protocol layer means replacing this module
//! (`convert.rs`: our values, schemas, paths and diagnostics in the crate's types;
//! `robustness.rs`: random input at every RPC).

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use futures::FutureExt;
use tf_provider::schema::{self as tfs, IdentitySchema};
use tf_provider::{AttributePath, DynamicDataSource, DynamicResource};
use tracing::Instrument;

use crate::framework::{
    plan, resource, validate, ActionType, DataSourceType, Diagnostics, PlanCall, PlanOutcome,
    ResourceType, Schema, Value,
};
use crate::provider::config::{self, ProviderConfig};
use crate::provider::{Configured, ProviderContext};
use crate::stop;

mod convert;
#[cfg(test)]
mod robustness;

pub use convert::to_tf_schema;
use convert::{push, to_tf_identity, to_tf_path};

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

/// Runs one call of a resource or data source: [`guarded`], with the stop signal in scope
/// ([`crate::stop`]). A call still running [`stop::GRACE`] after the stop is abandoned: it returns
/// `fallback`, which must describe what may exist, and an error saying so.
async fn call<T>(
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
async fn guarded<T>(
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

/// One of our resource, data source or action types behind the crate's trait for it: the type,
/// its schema (assembled once) and the stop signal its calls wind down on.
struct Adapter<T: ?Sized> {
    inner: Arc<T>,
    schema: Schema,
    stop: stop::Signal,
}

type Tf6Resource = Adapter<dyn ResourceType>;
type Tf6DataSource = Adapter<dyn DataSourceType>;
type Tf6Action = Adapter<dyn ActionType>;

/// What every adapted type has: a name, a schema and the checks of its configuration alone.
trait Adaptable: Send + Sync {
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
    fn new(inner: &Arc<T>, ctx: &ProviderContext) -> Self {
        Adapter {
            schema: inner.schema(),
            inner: inner.clone(),
            stop: ctx.stop_signal(),
        }
    }

    fn tf_schema(&self) -> tfs::Schema {
        to_tf_schema(&self.schema)
    }

    /// The configuration's checks, a panic among them an error diagnostic.
    async fn check(&self, diags: &mut tf_provider::Diagnostics, config: &Value) -> Option<()> {
        guarded(diags, "validation", async {
            let mut d = Diagnostics::default();
            self.inner.validate(config, &mut d);
            (Some(()), d)
        })
        .await
    }
}

/// Each of `items` adapted, by its type name, boxed as the crate wants it.
fn adapted<T: ?Sized + Adaptable, B>(
    items: &[Arc<T>],
    ctx: &ProviderContext,
    boxed: impl Fn(Adapter<T>) -> B,
) -> HashMap<String, B> {
    items
        .iter()
        .map(|i| (i.name().to_string(), boxed(Adapter::new(i, ctx))))
        .collect()
}

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

impl Tf6Resource {
    /// `v` as the schema has it, write-only attributes null: Terraform takes them from the
    /// configuration only, and refuses a plan or state that holds one.
    fn shape(&self, v: Value) -> Value {
        let mut v = plan::conform(&self.schema.block, &v);
        for a in self.schema.block.attributes.iter().filter(|a| a.write_only) {
            v.set(a.name, Value::Null);
        }
        v
    }

    /// `planned` with the configuration's write-only values, for the apply to use (never to
    /// return: [`Tf6Resource::shape`] takes them out again).
    fn with_write_only(&self, planned: &Value, config: &Value) -> Value {
        let mut v = planned.clone();
        for a in self.schema.block.attributes.iter().filter(|a| a.write_only) {
            v.set(a.name, config.get(a.name).clone());
        }
        v
    }

    /// The generic plan, refined by the resource, in the operation's span.
    async fn plan_with(&self, prior: Option<&Value>, config: &Value) -> (PlanOutcome, Diagnostics) {
        let mut d = Diagnostics::default();
        let planned = plan::plan(&self.schema.block, prior, config);
        let mut out = PlanOutcome {
            state: planned.state,
            requires_replace: planned.requires_replace,
        };
        let span = self.span("plan", prior.unwrap_or(&out.state));
        let call = PlanCall {
            out: &mut out,
            prior,
            config,
            diags: &mut d,
        };
        self.inner.plan(call).instrument(span).await;
        (out, d)
    }

    /// One span per operation, so the logs of resources applied in parallel can be told apart:
    /// `trdr{resource=global_database op=create id=trading-global-dev}`.
    fn span(&self, op: &'static str, v: &Value) -> tracing::Span {
        let id = v.get("id").as_str().map(str::to_string).unwrap_or_else(|| {
            let part = |k: &str| v.get(k).as_str().unwrap_or("?").to_string();
            format!("{}:{}", part("name"), part("environment_suffix"))
        });
        tracing::info_span!("trdr", resource = self.inner.name(), op, id = %id)
    }
}

#[async_trait]
impl tf_provider::Resource for Tf6Resource {
    type State<'a> = Value;
    type PrivateState<'a> = Value;
    type ProviderMetaState<'a> = Value;
    type Identity<'a> = Value;
    type ListConfig<'a> = Value;

    fn schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        Some(self.tf_schema())
    }

    fn identity_schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<IdentitySchema> {
        let fields = self.inner.identity();
        (!fields.is_empty()).then(|| to_tf_identity(fields))
    }

    fn identity<'a>(
        &self,
        _diags: &mut tf_provider::Diagnostics,
        state: &Self::State<'a>,
    ) -> Option<Self::Identity<'a>> {
        resource::identity_of(self.inner.identity(), state)
    }

    async fn import_by_identity<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        identity: Value,
    ) -> Option<(Value, Value)> {
        let import = async {
            let mut d = Diagnostics::default();
            let fields = self.inner.identity();
            let Some(identity) = resource::identity_of(fields, &identity) else {
                let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                d.error(
                    None,
                    "Incomplete identity",
                    format!(
                        "An import by identity needs every field: {}.",
                        names.join(", ")
                    ),
                );
                return (None, d);
            };
            let span = self.span("import", &identity);
            let out = self
                .inner
                .import_by_identity(&identity, &mut d)
                .instrument(span)
                .await;
            (out, d)
        };
        let imported = call(diags, &self.stop, "import", || None, import).await?;
        Some((self.shape(imported), Value::Null))
    }

    fn list_schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        self.inner.list_schema().map(|s| to_tf_schema(&s))
    }

    async fn validate_list<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
    ) -> Option<()> {
        guarded(diags, "list validation", async {
            let mut d = Diagnostics::default();
            if let Some(schema) = self.inner.list_schema() {
                validate::schema(&mut d, &schema.block, &config);
            }
            (Some(()), d)
        })
        .await
    }

    async fn list<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
        include_state: bool,
        limit: i64,
    ) -> Vec<tf_provider::Listed<Value, Value>> {
        let list = async {
            let mut d = Diagnostics::default();
            let span = tracing::info_span!("trdr", resource = self.inner.name(), op = "list");
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let found = self
                .inner
                .list(&config, include_state, limit, &mut d)
                .instrument(span)
                .await;
            (Some(found), d)
        };
        let found = call(diags, &self.stop, "list", || None, list).await;
        found
            .unwrap_or_default()
            .into_iter()
            .map(|f| tf_provider::Listed {
                identity: f.identity,
                display_name: f.display_name,
                state: f.state.map(|s| self.shape(s)),
            })
            .collect()
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
        state: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        let span = self.span("read", &state);
        let keep = || Some(Some(state.clone()));
        let read = call(diags, &self.stop, "read", keep, async {
            let mut d = Diagnostics::default();
            let out = self.inner.read(&state, &mut d).instrument(span).await;
            // A read that failed (as opposed to finding nothing) keeps the prior state.
            let out = match out {
                None if d.has_errors() => Some(state.clone()),
                other => other,
            };
            (Some(out), d)
        })
        .await;
        match read {
            Some(Some(s)) => Some((self.shape(s), private)),
            Some(None) => None,
            None => Some((state, private)),
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        _proposed: Value,
        config: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        let plan = async {
            let (out, d) = self.plan_with(None, &config).await;
            (Some((self.shape(out.state), Value::Null)), d)
        };
        call(diags, &self.stop, "plan", || None, plan).await
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        prior: Value,
        _proposed: Value,
        config: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value, Vec<AttributePath>)> {
        let plan = async {
            let (out, d) = self.plan_with(Some(&prior), &config).await;
            let replace = out.requires_replace.into_iter().map(to_tf_path).collect();
            (Some((self.shape(out.state), private, replace)), d)
        };
        call(diags, &self.stop, "plan", || None, plan).await
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut tf_provider::Diagnostics,
        _prior: Value,
        private: Value,
        _meta: Value,
    ) -> Option<Value> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        planned: Value,
        config: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        // Abandoned after a stop, the create may have made things: they are recorded as planned.
        let made = || Some(planned.unknowns_to_null());
        let create = async {
            let mut d = Diagnostics::default();
            let span = self.span("create", &planned);
            let working = self.with_write_only(&planned, &config);
            let out = self.inner.create(&working, &mut d).instrument(span).await;
            (out, d)
        };
        let created = call(diags, &self.stop, "create", made, create).await?;
        Some((self.shape(created), private))
    }

    async fn update<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        prior: Value,
        planned: Value,
        config: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        let update = async {
            let mut d = Diagnostics::default();
            let span = self.span("update", &prior);
            let working = self.with_write_only(&planned, &config);
            let out = self
                .inner
                .update(&prior, &working, &mut d)
                .instrument(span)
                .await;
            (out, d)
        };
        let updated = call(diags, &self.stop, "update", || None, update).await;
        // Whatever happened, state must describe what exists: fall back to the prior state.
        Some((self.shape(updated.unwrap_or(prior)), private))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        prior: Value,
        _private: Value,
        _meta: Value,
    ) -> Option<()> {
        let destroy = async {
            let mut d = Diagnostics::default();
            let span = self.span("delete", &prior);
            self.inner.delete(&prior, &mut d).instrument(span).await;
            (Some(()), d)
        };
        // Abandoned, it reports an error: the resource stays in state.
        let keep = || Some(());
        call(diags, &self.stop, "destroy", keep, destroy).await
    }

    async fn import<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        id: String,
    ) -> Option<(Value, Value)> {
        let import = async {
            let mut d = Diagnostics::default();
            let span =
                tracing::info_span!("trdr", resource = self.inner.name(), op = "import", id = %id);
            let out = self.inner.import(&id, &mut d).instrument(span).await;
            (out, d)
        };
        let imported = call(diags, &self.stop, "import", || None, import).await?;
        Some((self.shape(imported), Value::Null))
    }
}
