//! Names that reading and writing a stack both use: the tag that records a secondary's primary,
//! and the ids of the replication rules between twin buckets.

use super::{Replica, Stack};

/// Tag that records a secondary's primary, so an import can rebuild `replica_of`.
pub const REPLICA_OF_TAG: &str = "TrdrReplicaOf";

/// The rule on the primary's bucket that copies to this secondary's.
pub fn forward_rule(stack: &Stack) -> String {
    stack.id.naming.replication_rule(&stack.id.region)
}

/// The rule on this secondary's bucket that copies back to the primary's.
pub fn back_rule(stack: &Stack, r: &Replica) -> String {
    stack.id.naming.replication_rule(&r.primary_region)
}
