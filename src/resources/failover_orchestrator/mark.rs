//! The automatic-failover mark: the `TrdrAutomaticFailover` tag on the global cluster naming the
//! orchestrator whose watchers may fail it over. The global database reads it to treat its
//! `writer_region` as a preference; only the orchestrator that set it removes it.

use super::model::Orchestrator;
use crate::aws::rds;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::tags::{Tags, AUTOMATIC_FAILOVER_TAG};

/// What the mark needs on a global cluster tagged `tags`, for orchestrator `id`.
#[derive(Debug, PartialEq)]
enum Change {
    Tag,
    Untag,
    Keep,
}

/// `on`: the mark should name `id`. Off, only a mark naming `id` is removed: another
/// orchestrator's mark is not ours to take away.
fn change(tags: &Tags, id: &str, on: bool) -> Change {
    let mine = tags.get(AUTOMATIC_FAILOVER_TAG).map(String::as_str) == Some(id);
    match (on, mine) {
        (true, false) => Change::Tag,
        (false, true) => Change::Untag,
        _ => Change::Keep,
    }
}

/// Marks (or unmarks) the global cluster as failed over automatically by this orchestrator.
pub async fn set(cfg: &Configured, o: &Orchestrator, on: bool) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).rds;
    let Some(g) = rds::global(c, &o.global_id).await? else {
        return Ok(());
    };
    let Some(arn) = g.global_cluster_arn() else {
        return Ok(());
    };
    match change(&rds::global_tags(&g), &o.id(), on) {
        Change::Tag => {
            rds::tag(
                c,
                arn,
                &Tags::from([(AUTOMATIC_FAILOVER_TAG.to_string(), o.id())]),
            )
            .await?
        }
        Change::Untag => rds::untag(c, arn, &[AUTOMATIC_FAILOVER_TAG]).await?,
        Change::Keep => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(by: Option<&str>) -> Tags {
        by.map(|id| Tags::from([(AUTOMATIC_FAILOVER_TAG.to_string(), id.to_string())]))
            .unwrap_or_default()
    }

    #[test]
    fn the_mark_is_set_once_and_removed_only_by_the_orchestrator_it_names() {
        let me = "trading:dev";
        assert_eq!(change(&tagged(None), me, true), Change::Tag);
        assert_eq!(change(&tagged(Some("other:dev")), me, true), Change::Tag);
        assert_eq!(change(&tagged(Some(me)), me, true), Change::Keep);
        assert_eq!(change(&tagged(Some(me)), me, false), Change::Untag);
        assert_eq!(change(&tagged(Some("other:dev")), me, false), Change::Keep);
        assert_eq!(change(&tagged(None), me, false), Change::Keep);
    }
}
