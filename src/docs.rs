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
    if let Some(import) = import {
        let _ = write!(out, "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{import}```\n");
    }
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
