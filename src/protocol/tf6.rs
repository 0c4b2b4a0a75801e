//! Adapter from our framework to plugin protocol 6 through the `tf-provider` crate. This is the
//! only module that knows that crate; replacing the protocol layer means replacing this file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use futures::FutureExt;
use tf_provider::schema as tfs;
use tf_provider::{AttributePath, AttributePathStep, DynamicDataSource, DynamicResource};
use tracing::Instrument;

use crate::framework::diag::{Severity, Step};
use crate::framework::schema::{Mode, Nesting};
use crate::framework::{
    plan, DataSourceType, Diagnostics, Path, PlanOutcome, ResourceType, Schema, Type, Value,
};
use crate::provider::config::{self, ProviderConfig};
use crate::provider::{Configured, ProviderContext};

pub struct Tf6Provider {
    ctx: Arc<ProviderContext>,
    resources: Vec<Arc<dyn ResourceType>>,
    data_sources: Vec<Arc<dyn DataSourceType>>,
}

impl Tf6Provider {
    pub fn new(
        ctx: Arc<ProviderContext>,
        resources: Vec<Arc<dyn ResourceType>>,
        data_sources: Vec<Arc<dyn DataSourceType>>,
    ) -> Self {
        Tf6Provider {
            ctx,
            resources,
            data_sources,
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

fn push(into: &mut tf_provider::Diagnostics, from: Diagnostics) {
    for d in from.0 {
        let diag = tf_provider::Diagnostic {
            summary: d.summary.into(),
            detail: d.detail.into(),
            attribute: d.path.map(to_tf_path).unwrap_or_default(),
        };
        match d.severity {
            Severity::Error => into.add_error(diag),
            Severity::Warning => into.add_warning(diag),
        }
    }
}

fn to_tf_path(p: Path) -> AttributePath {
    AttributePath {
        steps: p
            .0
            .into_iter()
            .map(|s| match s {
                Step::Attr(a) => AttributePathStep::Attribute(Cow::Owned(a)),
                Step::Index(i) => AttributePathStep::Index(i as i64),
                Step::Key(k) => AttributePathStep::Key(Cow::Owned(k)),
            })
            .collect(),
    }
}

fn to_tf_type(t: &Type) -> tfs::AttributeType {
    match t {
        Type::String => tfs::AttributeType::String,
        Type::Number => tfs::AttributeType::Number,
        Type::Bool => tfs::AttributeType::Bool,
        Type::List(i) => tfs::AttributeType::List(Box::new(to_tf_type(i))),
        Type::Set(i) => tfs::AttributeType::Set(Box::new(to_tf_type(i))),
        Type::Map(i) => tfs::AttributeType::Map(Box::new(to_tf_type(i))),
        Type::Object(attrs) => tfs::AttributeType::Object(
            attrs
                .iter()
                .map(|(n, t)| (n.clone(), to_tf_type(t)))
                .collect(),
        ),
    }
}

fn to_tf_block(b: &crate::framework::Block) -> tfs::Block {
    tfs::Block {
        version: 0,
        description: tfs::Description::markdown(&b.description),
        deprecated: false,
        attributes: b
            .attributes
            .iter()
            .map(|a| {
                (
                    a.name.to_string(),
                    tfs::Attribute {
                        attr_type: to_tf_type(&a.ty),
                        description: tfs::Description::markdown(&a.description),
                        constraint: match a.mode {
                            Mode::Required => tfs::AttributeConstraint::Required,
                            Mode::Optional => tfs::AttributeConstraint::Optional,
                            Mode::OptionalComputed => tfs::AttributeConstraint::OptionalComputed,
                            Mode::Computed => tfs::AttributeConstraint::Computed,
                        },
                        sensitive: a.sensitive,
                        deprecated: false,
                    },
                )
            })
            .collect(),
        blocks: b
            .blocks
            .iter()
            .map(|nb| {
                let inner = to_tf_block(&nb.block);
                let nested = match nb.nesting {
                    Nesting::Single => tfs::NestedBlock::Single(inner),
                    Nesting::List {
                        min_items: 0,
                        max_items: 1,
                    } => tfs::NestedBlock::Optional(inner),
                    Nesting::List { .. } => tfs::NestedBlock::List(inner),
                };
                (nb.name.to_string(), nested)
            })
            .collect(),
    }
}

pub fn to_tf_schema(s: &Schema) -> tfs::Schema {
    tfs::Schema {
        version: s.version,
        block: to_tf_block(&s.block),
    }
}

#[async_trait]
impl tf_provider::Provider for Tf6Provider {
    type Config<'a> = Value;
    type MetaState<'a> = Value;

    fn schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        Some(to_tf_schema(&config::schema()))
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
            let clients = crate::aws::clients::Clients::new(&cfg).await;
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
        Some(
            self.resources
                .iter()
                .map(|r| {
                    let schema = r.schema();
                    let adapter = Tf6Resource {
                        inner: r.clone(),
                        schema,
                    };
                    (
                        r.name().to_string(),
                        Box::new(adapter) as Box<dyn DynamicResource>,
                    )
                })
                .collect(),
        )
    }

    fn get_data_sources(
        &self,
        _diags: &mut tf_provider::Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(
            self.data_sources
                .iter()
                .map(|d| {
                    let adapter = Tf6DataSource {
                        schema: d.schema(),
                        inner: d.clone(),
                    };
                    (
                        d.name().to_string(),
                        Box::new(adapter) as Box<dyn DynamicDataSource>,
                    )
                })
                .collect(),
        )
    }
}

struct Tf6DataSource {
    inner: Arc<dyn DataSourceType>,
    schema: Schema,
}

#[async_trait]
impl tf_provider::DataSource for Tf6DataSource {
    type State<'a> = Value;
    type ProviderMetaState<'a> = Value;

    fn schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        Some(to_tf_schema(&self.schema))
    }

    async fn validate<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
    ) -> Option<()> {
        guarded(diags, "validation", async {
            let mut d = Diagnostics::default();
            self.inner.validate(&config, &mut d);
            (Some(()), d)
        })
        .await
    }

    async fn read<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
        _meta: Value,
    ) -> Option<Value> {
        let read = guarded(diags, "read", async {
            let mut d = Diagnostics::default();
            let out = self.inner.read(&config, &mut d).await;
            (out, d)
        })
        .await?;
        Some(plan::conform(&self.schema.block, &read))
    }
}

struct Tf6Resource {
    inner: Arc<dyn ResourceType>,
    schema: Schema,
}

impl Tf6Resource {
    fn shape(&self, v: Value) -> Value {
        plan::conform(&self.schema.block, &v)
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

    fn schema(&self, _diags: &mut tf_provider::Diagnostics) -> Option<tfs::Schema> {
        Some(to_tf_schema(&self.schema))
    }

    async fn validate<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        config: Value,
    ) -> Option<()> {
        guarded(diags, "validation", async {
            let mut d = Diagnostics::default();
            self.inner.validate(&config, &mut d);
            (Some(()), d)
        })
        .await
    }

    async fn read<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        state: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        let span = self.span("read", &state);
        let read = guarded(diags, "read", async {
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
        guarded(diags, "plan", async {
            let mut d = Diagnostics::default();
            let planned = plan::plan(&self.schema.block, None, &config);
            let mut out = PlanOutcome {
                state: planned.state,
                requires_replace: planned.requires_replace,
            };
            let span = self.span("plan", &out.state);
            self.inner
                .plan(&mut out, None, &config, &mut d)
                .instrument(span)
                .await;
            (Some((self.shape(out.state), Value::Null)), d)
        })
        .await
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
        guarded(diags, "plan", async {
            let mut d = Diagnostics::default();
            let planned = plan::plan(&self.schema.block, Some(&prior), &config);
            let mut out = PlanOutcome {
                state: planned.state,
                requires_replace: planned.requires_replace,
            };
            let span = self.span("plan", &prior);
            self.inner
                .plan(&mut out, Some(&prior), &config, &mut d)
                .instrument(span)
                .await;
            let replace = out.requires_replace.into_iter().map(to_tf_path).collect();
            (Some((self.shape(out.state), private, replace)), d)
        })
        .await
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
        _config: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        let created = guarded(diags, "create", async {
            let mut d = Diagnostics::default();
            let span = self.span("create", &planned);
            let out = self.inner.create(&planned, &mut d).instrument(span).await;
            (out, d)
        })
        .await?;
        Some((self.shape(created), private))
    }

    async fn update<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        prior: Value,
        planned: Value,
        _config: Value,
        private: Value,
        _meta: Value,
    ) -> Option<(Value, Value)> {
        let updated = guarded(diags, "update", async {
            let mut d = Diagnostics::default();
            let span = self.span("update", &prior);
            let out = self
                .inner
                .update(&prior, &planned, &mut d)
                .instrument(span)
                .await;
            (out, d)
        })
        .await;
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
        guarded(diags, "destroy", async {
            let mut d = Diagnostics::default();
            let span = self.span("delete", &prior);
            self.inner.delete(&prior, &mut d).instrument(span).await;
            (Some(()), d)
        })
        .await
    }

    async fn import<'a>(
        &self,
        diags: &mut tf_provider::Diagnostics,
        id: String,
    ) -> Option<(Value, Value)> {
        let imported = guarded(diags, "import", async {
            let mut d = Diagnostics::default();
            let span =
                tracing::info_span!("trdr", resource = self.inner.name(), op = "import", id = %id);
            let out = self.inner.import(&id, &mut d).instrument(span).await;
            (out, d)
        })
        .await?;
        Some((self.shape(imported), Value::Null))
    }
}

/// Robustness: random and malformed values at every RPC the adapter serves. Whatever arrives, the
/// answer is diagnostics, never a panic (a caught panic would show as an "Internal error").
#[cfg(test)]
mod robustness {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use tf_provider::{DataSource, Provider, Resource};

    fn random_string(rng: &mut StdRng) -> String {
        const PIECES: &[&str] = &[
            "",
            "a",
            "us-east-1",
            "trdr:dev:us-east-1",
            "trading-global-dev",
            "arn:aws:iam::1:role/x",
            "-",
            "é✓\u{0}",
            "Z01",
            "15.10",
            "1h",
            "  ",
            "../..",
            "%s%n",
        ];
        if rng.gen_bool(0.2) {
            (0..rng.gen_range(0..300))
                .map(|_| rng.gen::<char>())
                .collect()
        } else {
            PIECES[rng.gen_range(0..PIECES.len())].repeat(rng.gen_range(1..4))
        }
    }

    fn random_value(rng: &mut StdRng, depth: u32) -> Value {
        match rng.gen_range(0..10) {
            0 => Value::Null,
            1 => Value::Unknown,
            2 => Value::Bool(rng.gen()),
            3 => Value::Number(
                [f64::NAN, f64::INFINITY, -1.0, 0.0, 0.5, 1e300, 17.0, -0.0][rng.gen_range(0..8)],
            ),
            4 | 5 => Value::String(random_string(rng)),
            6 | 7 if depth < 4 => Value::List(
                (0..rng.gen_range(0..4))
                    .map(|_| random_value(rng, depth + 1))
                    .collect(),
            ),
            _ if depth < 4 => {
                let mut m = Value::object();
                for _ in 0..rng.gen_range(0..4) {
                    m.set(&random_string(rng), random_value(rng, depth + 1));
                }
                m
            }
            _ => Value::Null,
        }
    }

    /// A value shaped like `block` with random contents, often well-formed enough to go deep.
    fn shaped(rng: &mut StdRng, block: &crate::framework::Block) -> Value {
        let mut v = Value::object();
        for a in &block.attributes {
            if rng.gen_bool(0.8) {
                v.set(a.name, random_value(rng, 1));
            }
        }
        for nb in &block.blocks {
            let inner = shaped(rng, &nb.block);
            v.set(
                nb.name,
                if rng.gen_bool(0.5) {
                    Value::List(vec![inner])
                } else {
                    inner
                },
            );
        }
        v
    }

    fn assert_no_panic(diags: &tf_provider::Diagnostics, what: &str) {
        for d in &diags.errors {
            assert!(
                !d.summary.contains("Internal error in the trdr provider"),
                "{what}: {}: {}",
                d.summary,
                d.detail
            );
        }
    }

    #[tokio::test]
    async fn every_rpc_answers_random_input_with_diagnostics() {
        let mut rng = StdRng::seed_from_u64(0x7d12);
        let ctx = Arc::new(ProviderContext::default());
        let provider = Tf6Provider::new(
            ctx.clone(),
            crate::resources(&ctx),
            crate::data_sources(&ctx),
        );
        let resources: Vec<Tf6Resource> = crate::resources(&ctx)
            .into_iter()
            .map(|r| Tf6Resource {
                schema: r.schema(),
                inner: r,
            })
            .collect();
        let sources: Vec<Tf6DataSource> = crate::data_sources(&ctx)
            .into_iter()
            .map(|d| Tf6DataSource {
                schema: d.schema(),
                inner: d,
            })
            .collect();
        for round in 0..300 {
            let mut diags = tf_provider::Diagnostics::default();
            let pconf = shaped(&mut rng, &config::schema().block);
            let _ = Provider::validate(&provider, &mut diags, pconf.clone()).await;
            if round % 10 == 0 {
                let _ = Provider::configure(&provider, &mut diags, "1.11.4".into(), pconf).await;
            }
            assert_no_panic(&diags, "provider");
            for r in &resources {
                let mut diags = tf_provider::Diagnostics::default();
                let (a, b, c) = (
                    shaped(&mut rng, &r.schema.block),
                    shaped(&mut rng, &r.schema.block),
                    random_value(&mut rng, 0),
                );
                let _ = Resource::validate(r, &mut diags, a.clone()).await;
                let _ =
                    Resource::plan_create(r, &mut diags, a.clone(), a.clone(), Value::Null).await;
                let _ = Resource::plan_update(
                    r,
                    &mut diags,
                    b.clone(),
                    a.clone(),
                    a.clone(),
                    c.clone(),
                    Value::Null,
                )
                .await;
                let _ = Resource::plan_update(
                    r,
                    &mut diags,
                    c.clone(),
                    c.clone(),
                    c.clone(),
                    Value::Null,
                    Value::Null,
                )
                .await;
                let _ =
                    Resource::plan_destroy(r, &mut diags, b.clone(), c.clone(), Value::Null).await;
                if ctx.get().is_none() {
                    // Unconfigured: read, import and apply answer with a diagnostic, not a call.
                    let _ = Resource::read(r, &mut diags, b.clone(), c.clone(), Value::Null).await;
                    let _ = Resource::import(r, &mut diags, random_string(&mut rng)).await;
                }
                assert_no_panic(&diags, r.inner.name());
            }
            for s in &sources {
                let mut diags = tf_provider::Diagnostics::default();
                let a = shaped(&mut rng, &s.schema.block);
                let _ = DataSource::validate(s, &mut diags, a.clone()).await;
                if ctx.get().is_none() {
                    let _ = DataSource::read(s, &mut diags, a, Value::Null).await;
                }
                assert_no_panic(&diags, s.inner.name());
            }
        }
    }

    #[test]
    fn random_bytes_never_panic_the_decoders() {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..64);
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if rng.gen_bool(0.3) && !bytes.is_empty() {
                bytes[0] = [0x80, 0x90, 0xc0, 0xd4, 0xde, 0xdc, 0xc7][rng.gen_range(0..7)];
            }
            let _ = rmp_serde::from_slice::<Value>(&bytes);
            let _ = serde_json::from_slice::<Value>(&bytes);
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = vec![0x91u8; 100_000];
        let _ = rmp_serde::from_slice::<Value>(&deep);
    }
}
