//! The entry points as the protocol layer calls them, and the diagnostics they return in a form a
//! test can compare.

use std::sync::{Arc, Once};

use trdr::framework::diag::{Diagnostic, Severity};
use trdr::framework::{plan, ActionType, Diagnostics, PlanCall, PlanOutcome, ResourceType, Value};
use trdr::provider::config::ProviderConfig;
use trdr::provider::{Configured, ProviderContext};

/// A configuration (or state) from JSON: blocks of at most one item as lists of one object,
/// single nested blocks as objects, absent attributes null.
pub fn value(json: serde_json::Value) -> Value {
    serde_json::from_value(json).expect("a configuration")
}

/// One diagnostic, its path as Terraform shows it (`serverless_v2[0].min_capacity`).
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub severity: Severity,
    pub summary: String,
    pub path: Option<String>,
    pub detail: String,
}

/// Each diagnostic of `diags`, in order.
pub fn seen(diags: Diagnostics) -> Vec<Seen> {
    diags
        .0
        .into_iter()
        .map(
            |Diagnostic {
                 severity,
                 summary,
                 detail,
                 path,
             }| Seen {
                severity,
                summary,
                path: path.map(|p| p.to_string()),
                detail,
            },
        )
        .collect()
}

/// Asserts that `diags` is exactly one diagnostic of `severity` with `summary` at `path`, whose
/// detail contains each of `words`.
pub fn assert_one(diags: &[Seen], severity: Severity, summary: &str, path: &str, words: &[&str]) {
    assert_eq!(
        diags.len(),
        1,
        "exactly one diagnostic expected: {diags:#?}"
    );
    assert_each(diags, severity, summary, path, words);
}

/// Asserts that every diagnostic in `diags` (at least one) is of `severity` with `summary` at
/// `path`, its detail containing each of `words`.
pub fn assert_each(diags: &[Seen], severity: Severity, summary: &str, path: &str, words: &[&str]) {
    assert!(!diags.is_empty(), "a diagnostic expected");
    for d in diags {
        assert_eq!(d.severity, severity, "{d:#?}");
        assert_eq!(d.summary, summary, "{d:#?}");
        assert_eq!(d.path.as_deref(), Some(path), "{d:#?}");
        for w in words {
            assert!(
                d.detail.contains(w),
                "{w:?} missing from the detail: {d:#?}"
            );
        }
    }
}

/// The summary every attribute error has.
pub fn invalid(path: &str) -> String {
    format!("Invalid value for \"{path}\"")
}

pub fn errors(diags: &[Seen]) -> Vec<&Seen> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// An unconfigured provider's context: what `ValidateResourceConfig` runs with.
pub fn unconfigured() -> Arc<ProviderContext> {
    Arc::new(ProviderContext::default())
}

/// A context configured as `ConfigureProvider` leaves it, for regions `us-east-1` (primary) and
/// `us-east-2`, every AWS call going to `endpoint` (a loopback URL) and tried once.
pub async fn configured(endpoint: &str) -> Arc<ProviderContext> {
    static CREDENTIALS: Once = Once::new();
    // The SDK signs every request, so it needs credentials; these reach only the loopback
    // endpoint. Set once, before any client reads the environment.
    CREDENTIALS.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDVALIDATIONTEST");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "validation-test-secret");
    });
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    let mut diags = Diagnostics::default();
    let config = ProviderConfig::from_value(
        &value(serde_json::json!({
            "primary_region": "us-east-1", "secondary_region": "us-east-2",
            "endpoint_url": endpoint, "max_attempts": 1,
        })),
        &mut diags,
    )
    .expect("a valid provider configuration");
    assert!(!diags.has_errors(), "{diags:?}");
    let ctx = Arc::new(ProviderContext::default());
    let clients = trdr::aws::clients::Clients::new(&config, ctx.stop_signal()).await;
    ctx.set(Configured { config, clients });
    ctx
}

/// A loopback port nothing listens on: a call there fails at once.
pub fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

pub fn resource(ctx: &Arc<ProviderContext>, name: &str) -> Arc<dyn ResourceType> {
    trdr::resources(ctx)
        .into_iter()
        .find(|r| r.name() == name)
        .unwrap_or_else(|| panic!("no resource type {name}"))
}

pub fn action(ctx: &Arc<ProviderContext>, name: &str) -> Arc<dyn ActionType> {
    trdr::actions(ctx)
        .into_iter()
        .find(|a| a.name() == name)
        .unwrap_or_else(|| panic!("no action {name}"))
}

/// `ValidateResourceConfig`: the schema's validators and the checks across attributes.
pub fn validate(r: &dyn ResourceType, config: &Value) -> Vec<Seen> {
    let mut diags = Diagnostics::default();
    r.validate(config, &mut diags);
    seen(diags)
}

/// What `PlanResourceChange` does: the generic plan of `config` against `prior` (None: a
/// create), refined by the resource. The diagnostics, and the planned state.
pub async fn plan(
    r: &dyn ResourceType,
    prior: Option<&Value>,
    config: &Value,
) -> (Vec<Seen>, Value) {
    let planned = plan::plan(&r.schema().block, prior, config);
    let mut out = PlanOutcome {
        state: planned.state,
        requires_replace: planned.requires_replace,
    };
    let mut diags = Diagnostics::default();
    r.plan(PlanCall {
        out: &mut out,
        prior,
        config,
        diags: &mut diags,
    })
    .await;
    (seen(diags), out.state)
}

/// A state as an apply of `config` would leave it, as far as the plan reads one: the generic
/// plan with what AWS would assign left null, and no write-only value (Terraform stores none).
pub fn state_of(r: &dyn ResourceType, config: &Value) -> Value {
    let block = r.schema().block;
    let mut state = plan::plan(&block, None, config).state.unknowns_to_null();
    for a in block.attributes.iter().filter(|a| a.write_only) {
        state.set(a.name, Value::Null);
    }
    state
}

pub async fn plan_action(a: &dyn ActionType, config: &Value) -> Vec<Seen> {
    let mut diags = Diagnostics::default();
    a.plan(config, &mut diags).await;
    seen(diags)
}

/// Invokes `a`, returning its diagnostics and the progress lines it reported.
pub async fn invoke_action(a: &dyn ActionType, config: &Value) -> (Vec<Seen>, Vec<String>) {
    let lines = std::sync::Mutex::new(Vec::new());
    let progress = |line: String| lines.lock().expect("progress lines").push(line);
    let mut diags = Diagnostics::default();
    a.invoke(config, &progress, &mut diags).await;
    (seen(diags), lines.into_inner().expect("progress lines"))
}
