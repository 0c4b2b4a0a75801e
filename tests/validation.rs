//! The checks across attributes, and the plan-time refusals, as Terraform meets them: each
//! configuration goes through the same entry points the protocol layer calls
//! (`ResourceType::validate`, the generic plan refined by `ResourceType::plan`, `ActionType::plan`
//! and `invoke`, `ResourceType::list`), and each test states the diagnostic it expects: severity,
//! summary and attribute path exactly, the detail by the words that explain it.
//!
//! Nothing here needs a sandbox. A configured provider points at a local address: a closed port
//! where no AWS answer is wanted (so a call that should not happen cannot succeed), or a small
//! fake of Step Functions where the test is about what it answers.

#[path = "validation/harness.rs"]
mod harness;

#[path = "validation/fake_aws.rs"]
mod fake_aws;

#[path = "validation/actions.rs"]
mod actions;
#[path = "validation/global_database.rs"]
mod global_database;
#[path = "validation/orchestrator.rs"]
mod orchestrator;
#[path = "validation/provider.rs"]
mod provider;
#[path = "validation/regional_stack.rs"]
mod regional_stack;

/// The pure modules' behaviour at its edges, where mutation testing showed the unit tests leave it
/// open (bench/MUTANTS.md).
#[path = "validation/units/naming.rs"]
mod naming;
