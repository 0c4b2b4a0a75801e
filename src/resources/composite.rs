//! The lifecycle every composite resource shares, written once. A create claims its names
//! ([`crate::ownership`]), converges under one deadline ([`crate::waiter::with_deadline`]), reads
//! the result back and marks its anchor; an update converges and reads back; a delete tears down
//! under its deadline; a read observes; an import discovers. Each operation runs in a tracing
//! span opened by the protocol layer. A resource states only what is its own: its model, its
//! steps and how it observes AWS.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::framework::resource::identity_of;
use crate::framework::validate;
use crate::framework::{
    Diagnostics, Found, IdentityField, PlanCall, ResourceType, Schema, Upgrader, Value,
};
use crate::ownership::{self, Anchor, Marker};
use crate::provider::{Configured, ProviderContext};
use crate::resources::list::{self, Filter};
use crate::stop;
use crate::timeouts::{self, Operation};
use crate::waiter;

#[async_trait]
pub trait Composite: Send + Sync + 'static {
    /// The typed model, from a planned or stored state.
    type Model: Send + Sync;

    /// The type name without the provider prefix, e.g. `global_database`.
    const NAME: &'static str;
    /// How diagnostics name it, e.g. `global database`.
    const KIND: &'static str;

    fn context(&self) -> &Arc<ProviderContext>;

    /// The schema, assembled from the resource's attribute declarations.
    const SCHEMA: fn() -> Schema;

    /// How state stored under each earlier schema version is brought to the schema's (see
    /// [`crate::framework::upgrade`]): one step from every version below it.
    const UPGRADERS: &'static [Upgrader] = &[];

    /// The checks across attributes (each attribute's own run from the schema); at validation
    /// and again at plan time, when values unknown at validation are known.
    const CHECK: fn(&Value, &mut Diagnostics);

    /// See [`ResourceType::plan`]; the checks have run.
    async fn plan(&self, call: PlanCall<'_>);

    fn model(cfg: &Configured, v: &Value) -> Option<Self::Model>;

    /// The id `terraform import` takes, which also names the resource in diagnostics.
    fn id(m: &Self::Model) -> String;

    fn default_timeout(op: Operation) -> Duration;

    /// The anchor object, for the "already exists" diagnostic.
    fn anchor_name(m: &Self::Model) -> String;

    /// The anchor as a create finds it.
    async fn anchor(cfg: &Configured, m: &Self::Model) -> Result<Anchor, AwsError>;

    /// Marks the anchor as this state's after an apply that succeeded.
    async fn mark_complete(cfg: &Configured, m: &Self::Model) -> Result<(), AwsError>;

    /// Brings AWS to `m`; `prior` on update, `marker` on create (it goes on the anchor).
    async fn converge(
        cfg: &Configured,
        m: &Self::Model,
        prior: Option<&Self::Model>,
        marker: Option<&Marker>,
        timeout: Duration,
        diags: &mut Diagnostics,
    );

    async fn destroy(cfg: &Configured, m: &Self::Model, timeout: Duration, diags: &mut Diagnostics);

    /// `base` (planned or stored state) with what AWS has; `None` when nothing exists.
    async fn observe(
        cfg: &Configured,
        m: &Self::Model,
        base: &Value,
    ) -> Result<Option<Value>, AwsError>;

    /// After an apply: what the state read back still lacks of `m` (an error when not empty).
    fn unconverged(m: &Self::Model, state: &Value) -> Vec<String>;

    /// The state of an existing deployment with import id `id`; `None` when there is none.
    async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError>;

    /// What an import of a missing `id` says.
    fn missing(id: &str) -> String;

    /// Why `id` cannot be an import id, when its shape alone says so.
    fn import_id_problem(_id: &str) -> Option<String> {
        None
    }

    /// The identity's fields ([`ResourceType::identity`]).
    const IDENTITY: &'static [IdentityField];

    /// The import id `identity` names.
    fn identity_id(identity: &Value) -> Option<String>;

    /// The state of the deployment `identity` names; `None` when there is none.
    async fn discover_identity(
        cfg: &Configured,
        identity: &Value,
    ) -> Result<Option<Value>, AwsError> {
        match Self::identity_id(identity) {
            Some(id) => Self::discover(cfg, &id).await,
            None => Ok(None),
        }
    }

    /// The state of a candidate of [`Composite::candidates`] under `filter`, as
    /// [`Composite::discover_identity`] reads it; `None` for one that is not to be listed.
    async fn discover_listed(
        cfg: &Configured,
        _filter: &Filter,
        candidate: &Value,
    ) -> Result<Option<Value>, AwsError> {
        Self::discover_identity(cfg, candidate).await
    }

    /// Whether a list can select by `region`.
    const LIST_BY_REGION: bool = false;

    /// What a `list` of this kind finds, for its documentation.
    const LIST_DESCRIPTION: &'static str;

    /// The identities of what may be objects of this kind that `filter` selects, from listing
    /// calls (none when the filter names one topology), each confirmed later by
    /// [`Composite::discover_identity`]; a region that cannot be listed is a warning.
    async fn candidates(cfg: &Configured, filter: &Filter, diags: &mut Diagnostics) -> Vec<Value>;
}

fn timeout_of<C: Composite>(v: &Value, op: Operation) -> Duration {
    timeouts::get(v, op, C::default_timeout(op))
}

/// The state after an apply, read back from AWS; anything still not as planned is an error, and
/// the state records what exists so the next apply converges. When the read-back fails, the
/// planned state (its unknowns null) is kept, so Terraform records what was made and the next
/// refresh fills in the rest, instead of forgetting a resource that exists.
async fn finish<C: Composite>(
    cfg: &Configured,
    m: &C::Model,
    planned: &Value,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let what = format!("{} {}", C::KIND, C::id(m));
    let state = match C::observe(cfg, m, planned).await {
        Ok(v) => v,
        Err(e) => {
            e.report(diags, None, &format!("read back {what}"));
            return Some(planned.unknowns_to_null());
        }
    };
    if let Some(v) = &state {
        let problems = C::unconverged(m, v);
        if !diags.has_errors() && !problems.is_empty() {
            diags.error(
                None,
                format!("{what} did not converge"),
                format!(
                    "{}\n\nRun the apply again; it continues from here.",
                    problems.join("\n")
                ),
            );
        }
    }
    // Last, so a crash before it leaves a create the next apply continues.
    if !diags.has_errors() {
        if let Err(e) = C::mark_complete(cfg, m).await {
            ownership::unmarked_warning(diags, &what, &e);
        }
    }
    state
}

/// What an import of `id` found: its state, or an error saying it does not exist or could not
/// be read.
fn imported<C: Composite>(
    id: &str,
    found: Result<Option<Value>, AwsError>,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let what = format!("{} {id}", C::KIND);
    match found {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            diags.error(
                None,
                format!("Cannot import {what}: it does not exist"),
                C::missing(id),
            );
            None
        }
        Err(e) => {
            e.report(diags, None, &format!("import {what}"));
            None
        }
    }
}

/// A create or update Terraform stopped ([`crate::stop`]): AWS is not read back, as no call starts
/// after a stop. The steps said where they stopped; a run that had finished says it here.
fn interrupted(diags: &mut Diagnostics, what: &str) {
    if !diags.has_errors() {
        diags.error(
            None,
            format!("Stopped before finishing: read back {what}"),
            "Terraform asked the provider to stop (interrupt) after the changes were made, before they were read back. The next plan refreshes the state from AWS.",
        );
    }
}

#[async_trait]
impl<C: Composite> ResourceType for C {
    fn name(&self) -> &'static str {
        C::NAME
    }

    fn schema(&self) -> Schema {
        (C::SCHEMA)()
    }

    fn upgraders(&self) -> &'static [Upgrader] {
        C::UPGRADERS
    }

    /// The schema's validators (each at its attribute's path), then the resource's own checks
    /// across attributes.
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::schema(diags, &(C::SCHEMA)().block, config);
        (C::CHECK)(config, diags);
    }

    /// The same checks again, with the values unknown at validation now known, then the
    /// resource's plan.
    async fn plan(&self, call: PlanCall<'_>) {
        ResourceType::validate(self, call.config, call.diags);
        Composite::plan(self, call).await
    }

    async fn create(&self, planned: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.context().require(diags)?;
        let m = C::model(&cfg, planned)?;
        let timeout = timeout_of::<C>(planned, Operation::Create);
        let id = C::id(&m);
        let (what, anchor) = (format!("{} {id}", C::KIND), C::anchor_name(&m));
        let subject = ownership::Subject {
            what: &what,
            import_id: &id,
            anchor: &anchor,
        };
        let found = C::anchor(&cfg, &m).await;
        let marker = ownership::claim_reporting(diags, &subject, found)?;
        let converge = C::converge(&cfg, &m, None, Some(&marker), timeout, diags);
        waiter::with_deadline(timeout, converge).await;
        if stop::requested() {
            // Recorded as planned (Terraform taints it), so a destroy removes it, and the next
            // apply replaces it — or continues it once untainted.
            interrupted(diags, &what);
            diags.warning(
                None,
                format!("The interrupted create of {what} can be continued"),
                "Terraform records it as tainted, so the next apply replaces it: it deletes what this create made and starts over (for a global database on AWS, tens of minutes of deletes and the whole create again). To continue where it stopped instead, run `terraform untaint` on this resource's address, then apply: the update keeps what exists and makes only what is missing (docs: Interrupting an apply).".to_string(),
            );
            return Some(planned.unknowns_to_null());
        }
        finish::<C>(&cfg, &m, planned, diags).await
    }

    async fn read(&self, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.context().require(diags)?;
        let m = C::model(&cfg, state)?;
        match C::observe(&cfg, &m, state).await {
            Ok(v) => v,
            // A region in an outage must not stop the plan that acts in the other one (a change
            // there, a failover action): what it last recorded stands, and the plan says so.
            Err(e) if e.is_outage() => {
                e.kept(diags, &format!("{} {}", C::KIND, C::id(&m)));
                Some(state.clone())
            }
            Err(e) => {
                e.report(diags, None, &format!("read {} {}", C::KIND, C::id(&m)));
                None
            }
        }
    }

    async fn update(
        &self,
        prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let cfg = self.context().require(diags)?;
        let m = C::model(&cfg, planned)?;
        let before = C::model(&cfg, prior);
        let timeout = timeout_of::<C>(planned, Operation::Update);
        let converge = C::converge(&cfg, &m, before.as_ref(), None, timeout, diags);
        waiter::with_deadline(timeout, converge).await;
        if stop::requested() {
            // The prior state stays; the next plan refreshes it and shows what is left to do.
            interrupted(diags, &format!("{} {}", C::KIND, C::id(&m)));
            return None;
        }
        finish::<C>(&cfg, &m, planned, diags).await
    }

    async fn delete(&self, prior: &Value, diags: &mut Diagnostics) {
        let Some(cfg) = self.context().require(diags) else {
            return;
        };
        let Some(m) = C::model(&cfg, prior) else {
            return;
        };
        let timeout = timeout_of::<C>(prior, Operation::Delete);
        waiter::with_deadline(timeout, C::destroy(&cfg, &m, timeout, diags)).await;
    }

    async fn import(&self, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        if let Some(problem) = C::import_id_problem(id) {
            diags.error(None, "Invalid import id", problem);
            return None;
        }
        let cfg = self.context().require(diags)?;
        imported::<C>(id, C::discover(&cfg, id).await, diags)
    }

    fn identity(&self) -> &'static [IdentityField] {
        C::IDENTITY
    }

    async fn import_by_identity(&self, identity: &Value, diags: &mut Diagnostics) -> Option<Value> {
        if let Some(problem) = list::identity_problem(identity) {
            diags.error(None, "Invalid identity", problem);
            return None;
        }
        let Some(id) = C::identity_id(identity) else {
            diags.error(
                None,
                "Invalid identity",
                format!("{identity:?} names no {}.", C::KIND),
            );
            return None;
        };
        if let Some(problem) = C::import_id_problem(&id) {
            diags.error(None, "Invalid identity", problem);
            return None;
        }
        let cfg = self.context().require(diags)?;
        imported::<C>(&id, C::discover_identity(&cfg, identity).await, diags)
    }

    fn list_schema(&self) -> Option<Schema> {
        Some(list::schema(C::LIST_DESCRIPTION, C::LIST_BY_REGION))
    }

    /// The candidates ([`Composite::candidates`]) the filter selects, each read as an import
    /// reads it: only what exists and is whole enough to import is listed.
    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: usize,
        diags: &mut Diagnostics,
    ) -> Vec<Found> {
        let Some(cfg) = self.context().require(diags) else {
            return vec![];
        };
        let filter = Filter::from_value(config);
        let mut found = Vec::new();
        for candidate in C::candidates(&cfg, &filter, diags).await {
            if found.len() >= limit || stop::requested() {
                break;
            }
            let Some(id) = C::identity_id(&candidate) else {
                continue;
            };
            match C::discover_listed(&cfg, &filter, &candidate).await {
                Ok(Some(state)) => found.push(Found {
                    identity: identity_of(C::IDENTITY, &state).unwrap_or(candidate),
                    display_name: format!("{} {id}", C::KIND),
                    state: include_state.then_some(state),
                }),
                Ok(None) => {}
                Err(e) => e.warn(diags, &format!("read {} {id}", C::KIND)),
            }
        }
        found
    }
}
