//! One module per composite resource; [`composite`] is the lifecycle they share.

pub mod composite;
pub mod failover_orchestrator;
pub mod global_database;
pub mod regional_stack;

/// Each resource's model falls back to defaults of its own when an attribute is null; they must
/// be the schema's (what Terraform plans). `config` sets the required attributes and every
/// optional block empty, so the planner fills in the block's defaults too.
#[cfg(test)]
pub(crate) fn assert_model_defaults_are_the_schemas<M: PartialEq + std::fmt::Debug>(
    schema: &crate::framework::Schema,
    config: &crate::framework::Value,
    model: impl Fn(&crate::framework::Value) -> Option<M>,
) {
    let planned = crate::framework::plan::plan(&schema.block, None, config).state;
    let (from_config, from_plan) = (model(config), model(&planned));
    assert!(from_config.is_some(), "the test config makes a model");
    assert_eq!(
        from_config, from_plan,
        "a default in the model differs from the schema's"
    );
}
