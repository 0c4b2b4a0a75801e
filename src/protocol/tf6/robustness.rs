//! Robustness: random and malformed values at every RPC the provider serves. Whatever arrives,
//! the answer is diagnostics: never a panic (caught, it would show as "Internal error in the trdr
//! provider"), and never an empty answer without an error (the protocol layer would show
//! "Internal error"). Which RPCs there are is read from the service definition the provider is
//! built with, so an RPC the fuzz does not reach fails the test.

use std::collections::BTreeSet;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tf_provider::{Action, DataSource, Provider, Resource};

use super::adapter::{Adapter, Tf6Action, Tf6DataSource, Tf6Resource};
use super::Tf6Provider;
use crate::framework::Value;
use crate::provider::{config, ProviderContext};

/// The plugin-protocol service the provider is served as (through the vendored `tf-provider`).
const SERVICE: &str = include_str!("../../../vendor/tf-provider/proto/tfplugin6.10.proto");

/// The RPCs whose answer comes from our code, each reached by the fuzz below.
const FUZZED: &[&str] = &[
    "GetMetadata",
    "GetProviderSchema",
    "ValidateProviderConfig",
    "ConfigureProvider",
    "StopProvider",
    "ValidateResourceConfig",
    "PlanResourceChange",
    "ApplyResourceChange",
    "ReadResource",
    "ImportResourceState",
    "GetResourceIdentitySchemas",
    "ValidateListResourceConfig",
    "ListResource",
    "ValidateDataResourceConfig",
    "ReadDataSource",
    "ValidateActionConfig",
    "PlanAction",
    "InvokeAction",
];

/// The RPCs the protocol layer answers by itself: none of our code runs, so there is nothing of
/// ours to fuzz (tests/faults/protocol.rs sends them random payloads over gRPC).
const ANSWERED_BY_THE_PROTOCOL_LAYER: &[(&str, &str)] = &[
    // The layer passes a state or identity of the current version through; an older version
    // goes to the crate's own `upgrade`/`upgrade_identity`, which our adapter cannot override
    // (their value type is private to the crate) and which refuse. Every schema is version 0.
    (
        "UpgradeResourceState",
        "passed through, or refused by the crate",
    ),
    (
        "UpgradeResourceIdentity",
        "passed through, or refused by the crate",
    ),
    ("MoveResourceState", "answered: not implemented"),
    ("GenerateResourceConfig", "answered: unimplemented"),
    ("GetFunctions", "the provider declares no functions"),
    ("CallFunction", "the provider declares no functions"),
    ("ValidateEphemeralResourceConfig", "no ephemeral resources"),
    ("OpenEphemeralResource", "no ephemeral resources"),
    ("RenewEphemeralResource", "no ephemeral resources"),
    ("CloseEphemeralResource", "no ephemeral resources"),
    ("ValidateStateStoreConfig", "no state stores"),
    ("ConfigureStateStore", "no state stores"),
    ("ReadStateBytes", "no state stores"),
    ("WriteStateBytes", "no state stores"),
    ("LockState", "no state stores"),
    ("UnlockState", "no state stores"),
    ("GetStates", "no state stores"),
    ("DeleteState", "no state stores"),
];

/// The RPCs of the `Provider` service in the protocol definition.
fn service_rpcs() -> BTreeSet<&'static str> {
    let start = SERVICE
        .find("service Provider {")
        .expect("the protocol definition declares the Provider service");
    let body = &SERVICE[start..];
    let body = &body[..body.find("\n}").expect("the service's closing brace")];
    body.lines()
        .filter_map(|l| l.trim().strip_prefix("rpc "))
        .map(|l| l.split('(').next().unwrap_or_default().trim())
        .collect()
}

#[test]
fn every_rpc_of_the_service_is_fuzzed_or_answered_by_the_protocol_layer() {
    let rpcs = service_rpcs();
    assert!(rpcs.len() > 30, "the service was read: {rpcs:?}");
    let fuzzed: BTreeSet<&str> = FUZZED.iter().copied().collect();
    let layer: BTreeSet<&str> = ANSWERED_BY_THE_PROTOCOL_LAYER
        .iter()
        .map(|(rpc, _)| *rpc)
        .collect();
    assert!(
        fuzzed.is_disjoint(&layer),
        "{:?}",
        fuzzed.intersection(&layer)
    );
    let listed: BTreeSet<&str> = fuzzed.union(&layer).copied().collect();
    assert_eq!(
        rpcs, listed,
        "an RPC of the service is neither fuzzed nor accounted for"
    );
}

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

/// The fuzz's state: its random source and the RPCs it reached.
struct Fuzz {
    rng: StdRng,
    reached: BTreeSet<&'static str>,
}

impl Fuzz {
    /// `rpc` answered with `diags`: a caught panic among them fails the test.
    fn answered(&mut self, rpc: &'static str, what: &str, diags: tf_provider::Diagnostics) {
        self.reached.insert(rpc);
        for d in &diags.errors {
            assert!(
                !d.summary.starts_with("Internal error"),
                "{rpc} ({what}): {}: {}",
                d.summary,
                d.detail
            );
        }
    }

    /// As [`Fuzz::answered`], for a call whose `None` the protocol layer turns into "Internal
    /// error" unless an error says why: that fails the test too.
    fn expect<T>(
        &mut self,
        rpc: &'static str,
        what: &str,
        mut diags: tf_provider::Diagnostics,
        out: Option<T>,
    ) {
        if out.is_none() {
            // What the layer does with an empty answer: an error only when none says why.
            diags.internal_error();
        }
        self.answered(rpc, what, diags);
    }

    fn config(&mut self, block: &crate::framework::Block) -> Value {
        shaped(&mut self.rng, block)
    }

    fn value(&mut self) -> Value {
        random_value(&mut self.rng, 0)
    }
}

fn diags() -> tf_provider::Diagnostics {
    tf_provider::Diagnostics::default()
}

/// The provider's own RPCs; configures it now and then (with a random, mostly invalid block).
async fn provider_rpcs(f: &mut Fuzz, provider: &Tf6Provider, round: u32) {
    let mut d = diags();
    let schema = Provider::schema(provider, &mut d);
    let resources = Provider::get_resources(provider, &mut d).map(|r| r.len());
    let sources = Provider::get_data_sources(provider, &mut d).map(|s| s.len());
    let actions = Provider::get_actions(provider, &mut d).map(|a| a.len());
    f.expect(
        "GetMetadata",
        "provider",
        diags(),
        resources.zip(sources).zip(actions),
    );
    f.expect("GetProviderSchema", "provider", d, schema);
    let pconf = f.config(&config::schema().block);
    let mut d = diags();
    let out = Provider::validate(provider, &mut d, pconf.clone()).await;
    f.expect("ValidateProviderConfig", "provider", d, out);
    if round.is_multiple_of(10) {
        let mut d = diags();
        let out = Provider::configure(provider, &mut d, "1.11.4".into(), pconf).await;
        f.expect("ConfigureProvider", "provider", d, out);
    }
}

/// A resource's RPCs: validation, plans and identities always; read, apply, import and list
/// only while the provider is unconfigured (they then answer with a diagnostic, not a call).
async fn resource_rpcs(f: &mut Fuzz, r: &Tf6Resource, configured: bool) {
    let name = r.inner.name();
    let (a, b, c) = (
        f.config(&r.schema.block),
        f.config(&r.schema.block),
        f.value(),
    );
    let mut d = diags();
    let out = Resource::validate(r, &mut d, a.clone()).await;
    f.expect("ValidateResourceConfig", name, d, out);
    let mut d = diags();
    let out = Resource::plan_create(r, &mut d, a.clone(), a.clone(), Value::Null).await;
    f.expect("PlanResourceChange", name, d, out);
    for (prior, config, private) in [(&b, &a, &c), (&c, &c, &Value::Null)] {
        let mut d = diags();
        let out = Resource::plan_update(
            r,
            &mut d,
            prior.clone(),
            config.clone(),
            config.clone(),
            private.clone(),
            Value::Null,
        )
        .await;
        f.expect("PlanResourceChange", name, d, out);
    }
    let mut d = diags();
    let out = Resource::plan_destroy(r, &mut d, b.clone(), c.clone(), Value::Null).await;
    f.expect("PlanResourceChange", name, d, out);
    let mut d = diags();
    let _ = Resource::identity_schema(r, &mut d);
    let _ = Resource::identity(r, &mut d, &b);
    let _ = Resource::identity(r, &mut d, &c);
    f.answered("GetResourceIdentitySchemas", name, d);
    let mut d = diags();
    let schema = Resource::schema(r, &mut d);
    let _ = Resource::list_schema(r, &mut d);
    f.expect("GetProviderSchema", name, d, schema);
    let list_config = match r.inner.list_schema() {
        Some(schema) if f.rng.gen_bool(0.7) => f.config(&schema.block),
        _ => f.value(),
    };
    let mut d = diags();
    let out = Resource::validate_list(r, &mut d, list_config.clone()).await;
    f.expect("ValidateListResourceConfig", name, d, out);
    if !configured {
        unconfigured_resource_rpcs(f, r, (a, b, c), list_config).await;
    }
}

/// The resource RPCs that would call AWS once configured.
async fn unconfigured_resource_rpcs(
    f: &mut Fuzz,
    r: &Tf6Resource,
    (a, b, c): (Value, Value, Value),
    list_config: Value,
) {
    let name = r.inner.name();
    let mut d = diags();
    // `None` is an answer here: the object is gone.
    let _ = Resource::read(r, &mut d, b.clone(), c.clone(), Value::Null).await;
    f.answered("ReadResource", name, d);
    let mut d = diags();
    let out = Resource::create(r, &mut d, a.clone(), a.clone(), c.clone(), Value::Null).await;
    f.expect("ApplyResourceChange", name, d, out);
    let mut d = diags();
    let out = Resource::update(r, &mut d, b.clone(), a.clone(), a, c.clone(), Value::Null).await;
    f.expect("ApplyResourceChange", name, d, out);
    let mut d = diags();
    let out = Resource::destroy(r, &mut d, b.clone(), c.clone(), Value::Null).await;
    f.expect("ApplyResourceChange", name, d, out);
    let id = random_string(&mut f.rng);
    let mut d = diags();
    let out = Resource::import(r, &mut d, id).await;
    f.expect("ImportResourceState", name, d, out);
    for identity in [c, b] {
        let mut d = diags();
        let out = Resource::import_by_identity(r, &mut d, identity).await;
        f.expect("ImportResourceState", name, d, out);
    }
    let (include, limit) = (f.rng.gen(), f.rng.gen());
    let mut d = diags();
    let _ = Resource::list(r, &mut d, list_config, include, limit).await;
    f.answered("ListResource", name, d);
}

async fn data_source_rpcs(f: &mut Fuzz, s: &Tf6DataSource, configured: bool) {
    let name = s.inner.name();
    let a = f.config(&s.schema.block);
    let mut d = diags();
    let schema = DataSource::schema(s, &mut d);
    f.expect("GetProviderSchema", name, d, schema);
    let mut d = diags();
    let out = DataSource::validate(s, &mut d, a.clone()).await;
    f.expect("ValidateDataResourceConfig", name, d, out);
    if !configured {
        let mut d = diags();
        let out = DataSource::read(s, &mut d, a, Value::Null).await;
        f.expect("ReadDataSource", name, d, out);
    }
}

async fn action_rpcs(f: &mut Fuzz, x: &Tf6Action, configured: bool) {
    let name = x.inner.name();
    let a = f.config(&x.schema.block);
    let mut d = diags();
    let schema = Action::schema(x, &mut d);
    f.expect("GetProviderSchema", name, d, schema);
    let mut d = diags();
    let out = Action::validate(x, &mut d, a.clone()).await;
    f.expect("ValidateActionConfig", name, d, out);
    let mut d = diags();
    let out = Action::plan(x, &mut d, a.clone()).await;
    f.expect("PlanAction", name, d, out);
    if !configured {
        let (progress, _lines) = tokio::sync::mpsc::unbounded_channel();
        let mut d = diags();
        Action::invoke(x, &mut d, a, progress).await;
        f.answered("InvokeAction", name, d);
    }
}

/// The provider and each of its types, adapted as the protocol layer serves them.
struct Served {
    ctx: Arc<ProviderContext>,
    provider: Tf6Provider,
    resources: Vec<Tf6Resource>,
    sources: Vec<Tf6DataSource>,
    actions: Vec<Tf6Action>,
}

fn served() -> Served {
    let ctx = Arc::new(ProviderContext::default());
    let provider = Tf6Provider::new(
        ctx.clone(),
        crate::resources(&ctx),
        crate::data_sources(&ctx),
        crate::actions(&ctx),
    );
    Served {
        resources: crate::resources(&ctx)
            .iter()
            .map(|r| Adapter::new(r, &ctx))
            .collect(),
        sources: crate::data_sources(&ctx)
            .iter()
            .map(|d| Adapter::new(d, &ctx))
            .collect(),
        actions: crate::actions(&ctx)
            .iter()
            .map(|a| Adapter::new(a, &ctx))
            .collect(),
        provider,
        ctx,
    }
}

/// One round: every RPC once per type, with fresh random input.
async fn round(f: &mut Fuzz, s: &Served, n: u32) {
    provider_rpcs(f, &s.provider, n).await;
    let configured = s.ctx.get().is_some();
    for r in &s.resources {
        resource_rpcs(f, r, configured).await;
    }
    for d in &s.sources {
        data_source_rpcs(f, d, configured).await;
    }
    for a in &s.actions {
        action_rpcs(f, a, configured).await;
    }
}

#[tokio::test]
async fn every_rpc_answers_random_input_with_diagnostics() {
    let mut f = Fuzz {
        rng: StdRng::seed_from_u64(0x7d12),
        reached: BTreeSet::new(),
    };
    let s = served();
    for n in 0..300 {
        round(&mut f, &s, n).await;
    }
    // After Terraform's stop, every call still answers.
    Provider::stop(&s.provider);
    f.answered("StopProvider", "provider", diags());
    round(&mut f, &s, 1).await;
    let fuzzed: BTreeSet<&str> = FUZZED.iter().copied().collect();
    assert_eq!(f.reached, fuzzed, "the RPCs the fuzz reached");
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
