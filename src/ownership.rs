//! Which create owns an object. Names are deterministic (`name`, `environment_suffix`, region), so
//! an object of the right name may belong to this resource's interrupted create — which the next
//! create must continue, or the crash leaves a duplicate or an orphan — or to a create that
//! finished: another configuration, this one before it lost its state, or the old half of a
//! `create_before_destroy` replacement. Adopting the latter hands one set of objects to two
//! states, and the first destroy deletes what the other still uses.
//!
//! So each resource has one anchor object (the global cluster, the session table or its replica,
//! the primary region's runbook) that carries [`TAG`]: `creating TOKEN` from the call that makes it,
//! `complete TOKEN` once the create that made it returned. A create continues only behind a
//! `creating` anchor; it refuses a `complete` or an unmarked one, naming the object and giving the
//! import command. An update (the resource is in this state) marks the anchor complete, so
//! imported and pre-marker deployments gain the marker on their next apply.

use crate::framework::{Diagnostics, Path};
use crate::tags::Tags;

/// The ownership marker's tag key.
pub const TAG: &str = "TrdrCreation";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    /// The create that made the object has not returned: it may continue.
    Creating(String),
    /// The create returned; the object belongs to the state that recorded it.
    Complete(String),
}

impl Marker {
    /// A marker for a new create, with a fresh token.
    pub fn fresh() -> Self {
        Marker::Creating(format!("{:016x}", rand::random::<u64>()))
    }

    pub fn parse(value: &str) -> Option<Self> {
        let (state, token) = value.split_once(' ')?;
        let token = token.to_string();
        match state {
            "creating" => Some(Marker::Creating(token)),
            "complete" => Some(Marker::Complete(token)),
            _ => None,
        }
    }

    pub fn of(tags: &Tags) -> Option<Self> {
        tags.get(TAG).and_then(|v| Marker::parse(v))
    }

    pub fn token(&self) -> &str {
        match self {
            Marker::Creating(t) | Marker::Complete(t) => t,
        }
    }

    pub fn value(&self) -> String {
        match self {
            Marker::Creating(t) => format!("creating {t}"),
            Marker::Complete(t) => format!("complete {t}"),
        }
    }

    /// The same create, finished.
    pub fn completed(&self) -> Self {
        Marker::Complete(self.token().to_string())
    }

    /// The tag to write.
    pub fn tags(&self) -> Tags {
        Tags::from([(TAG.to_string(), self.value())])
    }
}

/// What a create finds where its anchor goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    Absent,
    /// The anchor exists with these tags.
    Tagged(Tags),
    /// The anchor exists but cannot carry tags yet (a DynamoDB replica still being created): only
    /// an interrupted create leaves one.
    Unfinished,
}

/// Who owns an existing anchor, for the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A create that finished.
    Finished,
    /// No marker: made outside this provider, or by trdr before ownership markers.
    Unmarked,
}

/// A create's verdict: the marker to create under (a fresh one, or the interrupted create's),
/// or who owns the anchor.
pub fn claim(anchor: &Anchor) -> Result<Marker, Owner> {
    match anchor {
        Anchor::Absent => Ok(Marker::fresh()),
        Anchor::Unfinished => Ok(Marker::fresh()),
        Anchor::Tagged(tags) => match Marker::of(tags) {
            Some(m @ Marker::Creating(_)) => Ok(m),
            Some(Marker::Complete(_)) => Err(Owner::Finished),
            None => Err(Owner::Unmarked),
        },
    }
}

/// Tells the user a create picked up where an interrupted one stopped (a warning: nothing is
/// wrong, but it explains an apply that found half its objects in place).
pub fn note_resumed(diags: &mut Diagnostics, anchor: &Anchor, what: &str) {
    if *anchor != Anchor::Absent {
        diags.warning(
            None,
            format!("Continuing an interrupted create of {what}"),
            format!("An earlier create of {what} stopped before it finished (its anchor is marked {TAG} = creating, or is still being made); this apply adopted what it had made and finished it."),
        );
    }
}

/// The marker an apply that succeeded leaves on the anchor, when it is not there yet.
pub fn to_complete(anchor_tags: &Tags) -> Option<Marker> {
    match Marker::of(anchor_tags) {
        Some(Marker::Complete(_)) => None,
        Some(m) => Some(m.completed()),
        None => Some(Marker::fresh().completed()),
    }
}

/// Marking the anchor failed after a successful apply: nothing is wrong now, but a later create
/// with the same names would continue this one instead of refusing.
pub fn unmarked_warning(diags: &mut Diagnostics, what: &str, error: &impl std::fmt::Display) {
    diags.warning(
        None,
        format!("{what} was applied but not marked as owned"),
        format!("Tagging it {TAG} = complete failed ({error}). The next apply tries again; until then a create with the same names in another configuration would not be refused."),
    );
}

/// What a create is about, for its diagnostics.
pub struct Subject<'a> {
    /// e.g. `global database trading-global-dev`.
    pub what: &'a str,
    /// The id `terraform import` takes.
    pub import_id: &'a str,
    /// The anchor object, e.g. `global cluster trading-global-dev`.
    pub anchor: &'a str,
}

/// A create's claim on its names: the marker to create under, or `None` with the refusal (or
/// the failed look at the anchor) reported.
pub fn claim_reporting(
    diags: &mut Diagnostics,
    subject: &Subject<'_>,
    found: Result<Anchor, crate::aws::errors::AwsError>,
) -> Option<Marker> {
    let anchor = match found {
        Ok(a) => a,
        Err(e) => {
            e.report(diags, None, &format!("read {}", subject.what));
            return None;
        }
    };
    match claim(&anchor) {
        Ok(m) => {
            note_resumed(diags, &anchor, subject.what);
            Some(m)
        }
        Err(owner) => {
            let mut title = subject.what.to_string();
            if let Some(first) = title.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            refuse(
                diags,
                &title,
                subject.import_id,
                subject.anchor,
                owner,
                "environment_suffix",
            );
            None
        }
    }
}

/// The "already exists" error: what exists, why trdr will not take it over, and what to do.
pub fn refuse(
    diags: &mut Diagnostics,
    what: &str,
    import_id: &str,
    anchor: &str,
    owner: Owner,
    rename_attr: &str,
) {
    let why = match owner {
        Owner::Finished => format!("{anchor} was made by a create that finished: another Terraform configuration (or workspace) manages it, or this configuration did and its state no longer records it"),
        Owner::Unmarked => format!("{anchor} carries no trdr ownership marker (tag {TAG}): it was made outside this provider, or by a trdr release before ownership markers and is managed by a state that records it"),
    };
    diags.error(
        Some(Path::attr(rename_attr)),
        format!("{what} already exists"),
        format!(
            "{why}. trdr never takes over objects another create owns: the first destroy would delete what the other still uses.\n\n\
             - If this configuration should manage it, import it: terraform import <resource address> {import_id} (or an import block with id = \"{import_id}\"). Nothing was changed.\n\
             - If this is a replacement with lifecycle {{ create_before_destroy = true }}: trdr's object names derive from name and environment_suffix, so the new resource cannot exist beside the old one. Remove create_before_destroy from this resource (Terraform then destroys before it creates), or change {rename_attr}."
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(v: &str) -> Anchor {
        Anchor::Tagged(Tags::from([(TAG.to_string(), v.to_string())]))
    }

    #[test]
    fn a_create_continues_only_an_interrupted_create() {
        assert!(matches!(claim(&Anchor::Absent), Ok(Marker::Creating(_))));
        assert!(matches!(
            claim(&Anchor::Unfinished),
            Ok(Marker::Creating(_))
        ));
        assert_eq!(
            claim(&tagged("creating abc")),
            Ok(Marker::Creating("abc".into()))
        );
        assert_eq!(claim(&tagged("complete abc")), Err(Owner::Finished));
        assert_eq!(claim(&Anchor::Tagged(Tags::new())), Err(Owner::Unmarked));
        assert_eq!(claim(&tagged("garbage")), Err(Owner::Unmarked));
    }

    #[test]
    fn fresh_tokens_differ_and_round_trip() {
        let (a, b) = (Marker::fresh(), Marker::fresh());
        assert_ne!(a.token(), b.token());
        assert_eq!(Marker::parse(&a.value()), Some(a.clone()));
        assert_eq!(
            Marker::parse(&a.completed().value()),
            Some(Marker::Complete(a.token().into()))
        );
        assert!(a.value().len() < 64, "fits every service's tag value limit");
    }

    #[test]
    fn an_apply_marks_the_anchor_complete_once() {
        let creating = Marker::Creating("t".into()).tags();
        assert_eq!(to_complete(&creating), Some(Marker::Complete("t".into())));
        assert_eq!(to_complete(&Marker::Complete("t".into()).tags()), None);
        assert!(matches!(
            to_complete(&Tags::new()),
            Some(Marker::Complete(_))
        ));
    }

    #[test]
    fn the_refusal_names_the_object_and_the_import_command() {
        let mut d = Diagnostics::default();
        refuse(
            &mut d,
            "global database x-global-dev",
            "x-global-dev",
            "global cluster x-global-dev",
            Owner::Finished,
            "environment_suffix",
        );
        let e = d.errors().next().unwrap();
        let text = format!("{e:?}");
        assert!(text.contains("already exists"), "{text}");
        assert!(text.contains("terraform import"), "{text}");
        assert!(text.contains("create_before_destroy"), "{text}");
    }
}
