//! The contract between a composite resource and the rest of the provider. Implementations see
//! only our own value, schema and diagnostic types; `protocol::tf6` adapts them to the wire.

use async_trait::async_trait;

use super::diag::{Diagnostics, Path};
use super::schema::Schema;
use super::upgrade::Upgrader;
use super::value::Value;

/// What a resource may add to the generic plan.
pub struct PlanOutcome {
    pub state: Value,
    pub requires_replace: Vec<Path>,
}

/// What a plan sees and refines: the generic plan (`out`), the prior state when updating, the
/// configuration and the diagnostics.
pub struct PlanCall<'a> {
    pub out: &'a mut PlanOutcome,
    pub prior: Option<&'a Value>,
    pub config: &'a Value,
    pub diags: &'a mut Diagnostics,
}

#[async_trait]
pub trait ResourceType: Send + Sync + 'static {
    /// The type name without the provider prefix, e.g. `regional_stack`.
    fn name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// How state stored under each earlier schema version is brought to `schema().version`: one
    /// step from every version below it (see the upgrade module).
    fn upgraders(&self) -> &'static [Upgrader] {
        &[]
    }

    /// Checks that need neither AWS nor the provider configuration. Values may be unknown here;
    /// validators skip what they cannot see yet.
    fn validate(&self, config: &Value, diags: &mut Diagnostics);

    /// Refines the generic plan (`call.out`, with `call.prior` set when updating): fills in values the
    /// provider can derive at plan time, marks values that will change as unknown, and reports
    /// plan-time errors that need the provider configuration. Only read-only AWS calls, and only
    /// once the static checks passed, so bad input never reaches AWS.
    async fn plan(&self, call: PlanCall<'_>);

    /// Creates the resource. On failure returns what exists so far (Terraform records it), or
    /// `None` when nothing was created.
    async fn create(&self, planned: &Value, diags: &mut Diagnostics) -> Option<Value>;

    /// Reads the live object. `None` means it no longer exists.
    async fn read(&self, state: &Value, diags: &mut Diagnostics) -> Option<Value>;

    async fn update(
        &self,
        prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value>;

    async fn delete(&self, prior: &Value, diags: &mut Diagnostics);

    async fn import(&self, id: &str, diags: &mut Diagnostics) -> Option<Value>;

    /// The typed identity (plugin protocol 6.9): the state's attributes that name the object,
    /// each a string, all of them given to import by identity. Empty: the resource has none.
    fn identity(&self) -> &'static [IdentityField] {
        &[]
    }

    /// Imports the object an identity names; its fields are known strings.
    async fn import_by_identity(&self, identity: &Value, diags: &mut Diagnostics) -> Option<Value> {
        _ = identity;
        diags.error(None, "Import by identity is not supported", "");
        None
    }

    /// The schema of a `list` block's `config` (`terraform query`); `None`: it cannot be listed.
    fn list_schema(&self) -> Option<Schema> {
        None
    }

    /// The existing objects a list's configuration selects, at most `limit`, each with its
    /// state (as an import reads it) when `include_state`. What cannot be read is a warning.
    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: usize,
        diags: &mut Diagnostics,
    ) -> Vec<Found> {
        _ = (config, include_state, limit);
        diags.error(None, "List is not supported", "");
        vec![]
    }
}

/// One field of a resource's identity: a string attribute of its state.
pub struct IdentityField {
    pub name: &'static str,
    pub description: &'static str,
}

/// An object a list found.
pub struct Found {
    /// Its identity: an object of the resource's identity fields.
    pub identity: Value,
    /// What `terraform query` shows for it.
    pub display_name: String,
    pub state: Option<Value>,
}

/// The identity `state` has: its identity fields, or `None` while one is not a known string (a
/// planned create of a name not known yet).
pub fn identity_of(fields: &[IdentityField], state: &Value) -> Option<Value> {
    let mut identity = Value::object();
    for f in fields {
        identity.set(f.name, state.get(f.name).as_str()?);
    }
    Some(identity)
}

/// The contract of a data source: validate the configuration, then read.
#[async_trait]
pub trait DataSourceType: Send + Sync + 'static {
    /// The type name without the provider prefix, e.g. `failover_readiness`.
    fn name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    fn validate(&self, config: &Value, diags: &mut Diagnostics);

    /// The configuration with every computed attribute filled in.
    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Option<Value>;
}

/// Where an invoked action reports its progress, one line at a time.
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// An action (plugin protocol 6.10): an operation Terraform runs with
/// `terraform apply -invoke=action.TYPE.NAME` or from an `action_trigger`.
#[async_trait]
pub trait ActionType: Send + Sync + 'static {
    /// The type name without the provider prefix, e.g. `drill`.
    fn name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks the configuration alone.
    fn validate(&self, config: &Value, diags: &mut Diagnostics);

    /// Whether the action can run as configured, from what AWS says now: an error refuses it
    /// before anything runs.
    async fn plan(&self, config: &Value, diags: &mut Diagnostics);

    /// Runs it; its diagnostics end the run.
    async fn invoke(&self, config: &Value, progress: Progress<'_>, diags: &mut Diagnostics);
}
