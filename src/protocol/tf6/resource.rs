//! Resources: validation, plan, apply, read, import (by id and by identity), the identity schema,
//! and listing (`terraform query`).

use async_trait::async_trait;
use tf_provider::schema::{self as tfs, IdentitySchema};
use tf_provider::AttributePath;
use tracing::Instrument;

use crate::framework::{
    plan, resource, upgrade, validate, Diagnostics, PlanCall, PlanOutcome, Value,
};

use super::adapter::Tf6Resource;
use super::convert::{to_tf_identity, to_tf_path, to_tf_schema};
use super::guard::{call, guarded};

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

    /// State stored under an earlier (or a later) schema version; Terraform sends the current
    /// version's state without calling this.
    async fn upgrade<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        version: i64,
        prior_state: tf_provider::RawValue,
    ) -> Option<Value> {
        let upgraded = guarded(diags, "state upgrade", async {
            let mut d = Diagnostics::default();
            let json = match prior_state {
                tf_provider::RawValue::Json(bytes) => bytes,
                tf_provider::RawValue::MessagePack(_) => {
                    d.error(
                        None,
                        "Unreadable state",
                        "Terraform sent stored state as MessagePack; it stores JSON.",
                    );
                    return (None, d);
                }
            };
            let out = upgrade::upgrade(
                self.inner.name(),
                &self.schema,
                self.inner.upgraders(),
                version,
                &json,
                &mut d,
            );
            (out, d)
        })
        .await?;
        Some(self.shape(upgraded))
    }
}
