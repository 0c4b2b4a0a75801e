//! Registry-format documentation rendered from the schemas' descriptions and `examples/`.
//! `make docs` writes it; a test fails when `docs/` differs from what this renders.

use std::fmt::Write;

use crate::framework::schema::{Attribute, Block, Mode, Nesting, Type};
use crate::framework::Value;

fn type_name(t: &Type) -> String {
    match t {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(i) => format!("List of {}", type_name(i)),
        Type::Set(i) => format!("Set of {}", type_name(i)),
        Type::Map(i) => format!("Map of {}", type_name(i)),
        Type::Object(_) => "Object".into(),
    }
}

fn default_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`\"{s}\"`"),
        Value::Number(n) => format!("`{n}`"),
        Value::Bool(b) => format!("`{b}`"),
        Value::List(items) => format!(
            "`[{}]`",
            items
                .iter()
                .map(|i| i.as_str().map(|s| format!("\"{s}\"")).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    }
}

fn attribute_line(out: &mut String, a: &Attribute) {
    let mut notes = Vec::new();
    if a.sensitive {
        notes.push("Sensitive".to_string());
    }
    if a.requires_replace {
        notes.push("Changing it forces a new resource".to_string());
    }
    if let Some(d) = &a.default {
        notes.push(format!("Default {}", default_text(d)));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    let _ = writeln!(
        out,
        "- `{}` ({}) {}{}",
        a.name,
        type_name(&a.ty),
        a.description,
        notes
    );
}

/// The "Schema" section of one block and, after it, its nested blocks.
pub fn schema_markdown(block: &Block, anchor: &str) -> String {
    let mut out = String::new();
    let groups = [
        ("Required", &[Mode::Required][..]),
        ("Optional", &[Mode::Optional, Mode::OptionalComputed][..]),
        ("Read-Only", &[Mode::Computed][..]),
    ];
    for (title, modes) in groups {
        let mut attrs: Vec<&Attribute> = block
            .attributes
            .iter()
            .filter(|a| modes.contains(&a.mode))
            .collect();
        attrs.sort_by_key(|a| a.name);
        let blocks: Vec<_> = block
            .blocks
            .iter()
            .filter(|b| match b.nesting {
                Nesting::Single => title == "Required",
                Nesting::List { min_items, .. } => {
                    (min_items > 0) == (title == "Required") && title != "Read-Only"
                }
            })
            .collect();
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        for a in attrs {
            attribute_line(&mut out, a);
        }
        for b in blocks {
            let _ = writeln!(
                out,
                "- `{}` (Block{}) {} (see [below for nested schema](#{anchor}--{}))",
                b.name,
                match b.nesting {
                    Nesting::Single => String::new(),
                    Nesting::List { max_items: 1, .. } => ", Optional, at most one".into(),
                    Nesting::List { .. } => ", List".into(),
                },
                b.block.description,
                b.name
            );
        }
        out.push('\n');
    }
    for b in &block.blocks {
        let _ = writeln!(
            out,
            "<a id=\"{anchor}--{}\"></a>\n### Nested Schema for `{}`\n",
            b.name, b.name
        );
        out.push_str(&schema_markdown(&b.block, &format!("{anchor}--{}", b.name)));
    }
    out
}

/// A resource or data source page: description, example, schema, import.
pub fn page(
    kind: &str,
    type_name: &str,
    block: &Block,
    example: &str,
    import: Option<&str>,
) -> String {
    let mut out = format!(
        "---\npage_title: \"{type_name} {kind} - trdr\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n\n# {type_name} ({kind})\n\n{}\n\n## Example Usage\n\n```terraform\n{}```\n\n## Schema\n\n",
        block.description.replace('\n', "\n  "),
        block.description,
        example
    );
    out.push_str(&schema_markdown(block, "nestedblock"));
    out.push_str(&timeouts_section(type_name, block));
    if let Some(import) = import {
        let _ = write!(out, "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{import}```\n");
    }
    out
}

/// What each operation of a resource does, so its Timeouts section can say what the bound covers.
/// The defaults are not here: they come from the schema (`crate::timeouts::defaults`).
fn operations(type_name: &str) -> [&'static str; 3] {
    match type_name {
        "trdr_regional_stack" => [
            "the buckets with their settings and replication rules, and the session table (a secondary: its replica on the primary's table, waited for until `ACTIVE`, then PITR)",
            "changes to the buckets, their replication and the session table in place",
            "each bucket, unlinked from its twin first, and the replica (waited for until gone) or the table; a primary whose table still has a secondary's replica is refused before anything is touched",
        ],
        "trdr_global_database" => [
            "the master secret and its replica, the global cluster, the writer region's cluster and instances (until the writer is available), then the other region's cluster and instances; AWS typically takes about 5 minutes per cluster and 8 per instance",
            "changes in place: instances, an engine upgrade, a password rotation, and a `writer_region` change (`SwitchoverGlobalCluster`, waited for until the new writer is available)",
            "the non-writer region's instances, then its cluster (detached from the global cluster first), then the writer region's, then the global cluster, each waited for until gone, and last the master secret",
        ],
        "trdr_failover_orchestrator" => [
            "the health checks, the failover record pair, each region's runbook, and with `automatic_failover` each region's watcher, schedule and probe connection",
            "the same objects changed in place (a changed health check is made anew and the old one retired)",
            "each region's watcher and then its runbook, the failover records and then the health checks",
        ],
        _ => [
            "every call and wait of the create",
            "every call and wait of the update",
            "every call and wait of the delete",
        ],
    }
}

/// The "Timeouts" section of a resource page, as `hashicorp/aws` documents its own: each operation
/// with its default (from the schema's `timeouts` block) and what it bounds. Empty for a type
/// without the block.
pub fn timeouts_section(type_name: &str, block: &Block) -> String {
    let Some(defaults) = block
        .blocks
        .iter()
        .find(|b| b.name == crate::timeouts::TIMEOUTS.name)
        .and_then(|b| crate::timeouts::defaults(&b.block))
    else {
        return String::new();
    };
    let mut out = String::from(
        "## Timeouts\n\n[Configuration options](https://developer.hashicorp.com/terraform/language/resources/syntax#operation-timeouts), in Go duration syntax (`\"30m\"`, `\"1h30m\"`, `\"1.5h\"`):\n\n",
    );
    let ops = operations(type_name);
    for ((name, default), what) in ["create", "update", "delete"]
        .iter()
        .zip(&defaults)
        .zip(ops)
    {
        let _ = writeln!(out, "- `{name}` - (Default `{default}`) {what}.");
    }
    out.push_str(
        "\nEach is one deadline for the whole operation, shared by every call and wait inside it (a wait that ends early leaves its time to the next). When it runs out, the apply fails naming the step it stopped in, with what AWS last reported; nothing is rolled back, and the next apply continues from that step.\n\n",
    );
    out
}

/// The import-by-identity part of a resource page: the `import` block example and the identity's
/// fields.
pub fn identity_section(fields: &[crate::framework::IdentityField], example: &str) -> String {
    let mut out = format!(
        "\nIn Terraform 1.12 and later, an `import` block can name the resource by its identity instead of an id:\n\n```terraform\n{example}```\n\n### Identity Schema\n\n#### Required\n\n"
    );
    for f in fields {
        let _ = writeln!(out, "- `{}` (String) {}", f.name, f.description);
    }
    out
}
