//! One module per composite resource; [`composite`] is the lifecycle they share.

pub mod composite;
pub mod failover_orchestrator;
pub mod global_database;
pub mod list;
pub mod references;
pub mod regional_stack;
pub mod spelled;

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

/// A test configuration from JSON (blocks as lists of objects, single blocks as objects).
#[cfg(test)]
pub(crate) fn config(json: serde_json::Value) -> crate::framework::Value {
    serde_json::from_value(json).expect("a configuration")
}

/// The errors a resource's cross-attribute `check` reports for a JSON configuration: each error's
/// path and detail.
#[cfg(test)]
pub(crate) fn check_errors(
    check: fn(&crate::framework::Value, &mut crate::framework::Diagnostics),
    json: serde_json::Value,
) -> Vec<(String, String)> {
    let mut diags = crate::framework::Diagnostics::default();
    check(&config(json), &mut diags);
    diags
        .errors()
        .map(|d| {
            (
                d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                d.detail.clone(),
            )
        })
        .collect()
}

/// The `timeouts` block of a valid test configuration, and a bad value for each of its
/// attributes.
#[cfg(test)]
pub(crate) fn timeouts_cases() -> (
    serde_json::Value,
    Vec<(&'static str, crate::framework::Value)>,
) {
    (
        serde_json::json!([{"create": "30m", "update": "1h30m", "delete": "1.5h"}]),
        ["create", "update", "delete"]
            .into_iter()
            .zip([
                "timeouts[0].create",
                "timeouts[0].update",
                "timeouts[0].delete",
            ])
            .map(|(_, path)| (path, crate::framework::Value::from("soon")))
            .collect(),
    )
}

/// Each default is stated once: in the declaration, from which the docs render "Default …".
/// A description that also spells the value out would disagree with it after the next change.
#[cfg(test)]
#[test]
fn no_description_repeats_a_declared_default() {
    use crate::framework::schema::Block;
    use crate::framework::Value;

    fn spelled(v: &Value) -> Vec<String> {
        let text = match v {
            Value::Number(n) => format!("{n}"),
            Value::Bool(b) => format!("{b}"),
            Value::String(s) => s.clone(),
            _ => return vec!["(default".into(), "default `[".into()],
        };
        vec![
            "(default".into(),
            format!("default {text}"),
            format!("default `{text}`"),
            format!("default: {text}"),
            format!("default `\"{text}\"`"),
        ]
    }
    fn walk(block: &Block, at: &str, found: &mut Vec<String>) {
        for a in &block.attributes {
            if let Some(d) = &a.default {
                let lower = a.description.to_lowercase();
                for s in spelled(d) {
                    if lower.contains(&s.to_lowercase()) {
                        found.push(format!("{at}{}: {:?} in {:?}", a.name, s, a.description));
                    }
                }
            }
        }
        for nb in &block.blocks {
            walk(&nb.block, &format!("{at}{}.", nb.name), found);
        }
    }
    let ctx = std::sync::Arc::new(crate::provider::ProviderContext::default());
    let mut schemas = vec![("provider".to_string(), crate::provider::config::schema())];
    schemas.extend(
        crate::resources(&ctx)
            .iter()
            .map(|r| (format!("trdr_{}", r.name()), r.schema())),
    );
    schemas.extend(
        crate::data_sources(&ctx)
            .iter()
            .map(|d| (format!("trdr_{}", d.name()), d.schema())),
    );
    schemas.extend(
        crate::actions(&ctx)
            .iter()
            .map(|a| (format!("trdr_{}", a.name()), a.schema())),
    );
    let mut found = Vec::new();
    for (name, schema) in &schemas {
        walk(&schema.block, &format!("{name}."), &mut found);
    }
    let seen = schemas.len();
    assert!(seen >= 8, "every schema was read: {seen}");
    assert!(
        found.is_empty(),
        "defaults stated twice:\n{}",
        found.join("\n")
    );
}

#[cfg(test)]
mod upgrades {
    use std::sync::Arc;

    use crate::framework::upgrade::chain_is_complete;
    use crate::provider::ProviderContext;

    /// Each resource's schema version, as the releases' state fixtures (tests/fixtures/state)
    /// record it: bumping one is a change to stored state, which needs its upgrader and a
    /// fixture of the state before it.
    const VERSIONS: &[(&str, i64)] = &[
        ("failover_orchestrator", 1),
        ("global_database", 0),
        ("regional_stack", 0),
    ];

    #[test]
    fn every_resource_upgrades_from_every_earlier_schema_version() {
        let ctx = Arc::new(ProviderContext::default());
        let resources = crate::resources(&ctx);
        assert_eq!(resources.len(), VERSIONS.len());
        for r in resources {
            let schema = r.schema();
            chain_is_complete(&schema, r.upgraders())
                .unwrap_or_else(|e| panic!("trdr_{}: {e}", r.name()));
            let want = VERSIONS
                .iter()
                .find(|(n, _)| *n == r.name())
                .map(|(_, v)| *v);
            assert_eq!(Some(schema.version), want, "trdr_{}", r.name());
        }
    }
}
