//! The plan of a regional stack: the names and ARNs it will have, what a change replaces (and
//! the warning that says what a replacement discards), and the statuses an update leaves
//! unknown.

use super::schema::*;
use super::{effective_consistency, effective_hash_key, Consistency, Stack};
use crate::aws::dynamodb;
use crate::aws::errors::shown;
use crate::framework::{Diagnostics, Path, PlanCall, Value};
use crate::provider::{Configured, ProviderContext};

const MRSC_NEEDS_EMPTY: &str = "DynamoDB makes only an empty table a strongly consistent global table: a secondary becomes STRONG in the same apply that replaces its primary (set consistency alike on both), or with a primary whose table holds no items.";

pub(super) async fn plan(ctx: &ProviderContext, call: PlanCall<'_>) {
    let PlanCall {
        out, prior, diags, ..
    } = call;
    let planned = &mut out.state;
    let Some(stack) = Stack::from_value(planned).filter(|_| BUCKETS.raw(planned).is_wholly_known())
    else {
        return;
    };
    put_names(planned, &stack);
    let builds_mrsc = match prior {
        None => plan_create(planned, &stack),
        Some(prior) => plan_update(planned, &mut out.requires_replace, prior, &stack, diags),
    };
    if builds_mrsc && !diags.has_errors() {
        if let Some(cfg) = ctx.get() {
            warn_if_primary_holds_items(&cfg, &stack, diags).await;
        }
    }
}

/// A strongly consistent secondary, which makes (or joins) a global table with a witness.
fn strong_secondary(stack: &Stack) -> bool {
    stack.replica.is_some() && stack.consistency == Consistency::Strong
}

/// What the names alone decide: the id, the table's and buckets' names and ARNs, the witness;
/// and an empty `drift`, which the apply leaves so.
fn put_names(planned: &mut Value, stack: &Stack) {
    put_in_block(planned, &WITNESS_REGION, Value::from(stack.witness.clone()));
    ID.put(planned, stack.id.to_string());
    TABLE_NAME.put(planned, stack.table());
    BUCKET_NAMES.put(
        planned,
        Value::string_map(stack.buckets.iter().map(|p| (p.clone(), stack.bucket(p)))),
    );
    BUCKET_ARNS.put(
        planned,
        Value::string_map(
            stack
                .buckets
                .iter()
                .map(|p| (p.clone(), format!("arn:aws:s3:::{}", stack.bucket(p)))),
        ),
    );
    DRIFT.put(planned, Value::List(Vec::new()));
}

/// A new stack: its ARNs and statuses known after apply. `true` when it makes a strongly
/// consistent global table.
fn plan_create(planned: &mut Value, stack: &Stack) -> bool {
    let strong_secondary = strong_secondary(stack);
    TABLE_ARN.put(planned, Value::Unknown);
    STREAM_ARN.put(planned, Value::Unknown);
    REPLICA_STATUS.put(
        planned,
        if stack.replica.is_some() {
            Value::Unknown
        } else {
            Value::Null
        },
    );
    WITNESS_STATUS.put(
        planned,
        if strong_secondary {
            Value::Unknown
        } else {
            Value::Null
        },
    );
    strong_secondary
}

/// An update: what it replaces, and the statuses it keeps. `true` when a replacement makes a
/// strongly consistent global table.
fn plan_update(
    planned: &mut Value,
    requires_replace: &mut Vec<Path>,
    prior: &Value,
    stack: &Stack,
    diags: &mut Diagnostics,
) -> bool {
    let replaced = replacements(requires_replace, prior, stack, diags);
    if replaced {
        TABLE_ARN.put(planned, Value::Unknown);
        STREAM_ARN.put(planned, Value::Unknown);
    }
    let status = match (&stack.replica, REPLICA_STATUS.raw(prior).as_str()) {
        (None, _) => Value::Null,
        (Some(_), Some("ACTIVE")) if !replaced => Value::from("ACTIVE"),
        (Some(_), _) => Value::Unknown,
    };
    REPLICA_STATUS.put(planned, status);
    let witness = match (strong_secondary(stack), WITNESS_STATUS.raw(prior).as_str()) {
        (false, _) => Value::Null,
        (true, Some("ACTIVE")) if !replaced => Value::from("ACTIVE"),
        (true, _) => Value::Unknown,
    };
    WITNESS_STATUS.put(planned, witness);
    replaced && strong_secondary(stack)
}

/// The changes DynamoDB cannot make in place — the partition key, the consistency mode, the
/// witness — added to `requires_replace`, each replacement that discards data with a warning.
/// `true` when the stack is replaced.
fn replacements(
    requires_replace: &mut Vec<Path>,
    prior: &Value,
    stack: &Stack,
    diags: &mut Diagnostics,
) -> bool {
    let block = SESSION_TABLE.path();
    let was = Stack::from_value(prior);
    let mut replaced = false;
    if effective_hash_key(prior) != stack.hash_key {
        requires_replace.push(HASH_KEY.under(&block));
        replaced = true;
    }
    if effective_consistency(prior) != stack.consistency {
        requires_replace.push(CONSISTENCY.under(&block));
        replaced = true;
        diags.warning(
            Some(CONSISTENCY.under(&block)),
            format!(
                "Changing the session table's consistency replaces regional stack {}",
                stack.id
            ),
            discarded(stack, effective_consistency(prior)),
        );
    } else if was.as_ref().map(|w| &w.witness) != Some(&stack.witness) {
        requires_replace.push(WITNESS_REGION.under(&block));
        replaced = true;
        diags.warning(
            Some(WITNESS_REGION.under(&block)),
            format!("Changing the witness replaces regional stack {}", stack.id),
            format!("DynamoDB adds a witness only when it makes the global table, and removes it only with a replica, so trdr destroys the secondary (removes its replica of {} with its items{}) and creates it again with the witness in {}. {}", stack.table(), emptied(stack), shown(stack.witness.as_deref()), MRSC_NEEDS_EMPTY),
        );
    }
    replaced
}

/// The block's attribute `attr` set to `x` in `v`, when the configuration has the block.
fn put_in_block(v: &mut Value, attr: &crate::framework::attr::Attr<String>, x: Value) {
    if let Some(b) = SESSION_TABLE.of_mut(v) {
        attr.put(b, x);
    }
}

/// What a replacement does to the stack's buckets, as a clause of the warning.
fn emptied(stack: &Stack) -> String {
    if stack.buckets.is_empty() {
        String::new()
    } else if stack.force_destroy {
        format!(
            ", and deletes its buckets ({}), emptying every object version",
            stack.buckets.join(", ")
        )
    } else {
        format!(
            ", and deletes its buckets ({}), which must be empty (force_destroy = false)",
            stack.buckets.join(", ")
        )
    }
}

/// What a change of consistency mode discards, for the plan's warning.
fn discarded(stack: &Stack, from: Consistency) -> String {
    let to = stack.consistency.as_str();
    let from = from.as_str();
    match &stack.replica {
        None => format!("DynamoDB cannot change a table's consistency mode ({from} to {to}), so trdr deletes session table {} with every session in it{}, and creates them again empty. A live secondary refuses this until it is replaced in the same apply (change its consistency too). {MRSC_NEEDS_EMPTY}", stack.table(), emptied(stack)),
        Some(r) => format!("DynamoDB cannot change a global table's consistency mode ({from} to {to}), so trdr removes the replica of {} in {} (its items stay in the primary's table in {}){}, then builds the replica again. {MRSC_NEEDS_EMPTY}", stack.table(), stack.id.region, r.primary_region, emptied(stack)),
    }
}

/// At plan, for a secondary that will make the strongly consistent global table: a primary whose
/// table holds items makes the apply fail, unless the same apply replaces the primary (which this
/// plan cannot see): a warning, with the way out. An unreadable answer is said, not fatal.
async fn warn_if_primary_holds_items(cfg: &Configured, stack: &Stack, diags: &mut Diagnostics) {
    let Some(r) = &stack.replica else { return };
    let c = &cfg.region(&r.primary_region).dynamodb;
    let table = stack.table();
    let at = Some(CONSISTENCY.under(&SESSION_TABLE.path()));
    let look = async {
        match dynamodb::describe(c, &table).await? {
            Some(t) if dynamodb::consistency(&t) != Some("STRONG") => {
                dynamodb::holds_items(c, &table).await
            }
            _ => Ok(false),
        }
    };
    match look.await {
        Ok(false) => {}
        Ok(true) => diags.warning(
            at,
            format!("The primary's session table {table} holds items"),
            format!("DynamoDB makes only an empty table a strongly consistent global table, so creating the strongly consistent replica of {table} in {} fails unless this apply also replaces the primary stack in {} (set consistency = \"STRONG\" on it too; its sessions are discarded). The apply checks this before it makes the replica, but a replacement has destroyed the current secondary by then.", stack.id.region, r.primary_region),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "could not look at the primary's session table at plan time");
            diags.warning(
                at,
                "The primary's session table was not checked at plan time",
                format!("{e}; whether {table} in {} is empty, as a strongly consistent global table needs, is checked when the apply creates the replica.", r.primary_region),
            );
        }
    }
}
