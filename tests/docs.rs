//! `docs/` is rendered from the schemas and `examples/`; this test fails when it is out of date.
//! `make docs` (TRDR_UPDATE_DOCS=1) rewrites it.

use std::path::Path;
use std::sync::Arc;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rendered() -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let provider = trdr::provider::config::schema();
    let index = read("templates/index.md")
        .replace("<!-- example -->", &read("examples/provider/provider.tf"))
        .replace(
            "<!-- schema -->\n",
            &trdr::docs::schema_markdown(&provider.block, "nestedblock"),
        );
    pages.push(("docs/index.md".to_string(), index));
    let ctx = Arc::new(trdr::provider::ProviderContext::default());
    for r in trdr::resources(&ctx) {
        let full = format!("trdr_{}", r.name());
        let dir = format!("examples/resources/{full}");
        let import = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(&dir)
                .join("import.sh"),
        )
        .ok();
        let mut page = trdr::docs::page(
            "Resource",
            &full,
            &r.schema().block,
            &read(&format!("{dir}/resource.tf")),
            import.as_deref(),
        );
        if !r.identity().is_empty() {
            page.push_str(&trdr::docs::identity_section(
                r.identity(),
                &read(&format!("{dir}/import-by-identity.tf")),
            ));
        }
        pages.push((format!("docs/resources/{}.md", r.name()), page));
        if let Some(list) = r.list_schema() {
            let example = read(&format!(
                "examples/list-resources/{full}/example.tfquery.hcl"
            ));
            let page = trdr::docs::page("List Resource", &full, &list.block, &example, None);
            pages.push((format!("docs/list-resources/{}.md", r.name()), page));
        }
    }
    for d in trdr::data_sources(&ctx) {
        let full = format!("trdr_{}", d.name());
        let example = read(&format!("examples/data-sources/{full}/data-source.tf"));
        let page = trdr::docs::page("Data Source", &full, &d.schema().block, &example, None);
        pages.push((format!("docs/data-sources/{}.md", d.name()), page));
    }
    for a in trdr::actions(&ctx) {
        let full = format!("trdr_{}", a.name());
        let example = read(&format!("examples/actions/{full}/action.tf"));
        let page = trdr::docs::page("Action", &full, &a.schema().block, &example, None);
        pages.push((format!("docs/actions/{}.md", a.name()), page));
    }
    let guides = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/guides");
    let mut names: Vec<_> = std::fs::read_dir(&guides)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let name = name.to_string_lossy().into_owned();
        pages.push((
            format!("docs/guides/{name}"),
            read(&format!("templates/guides/{name}")),
        ));
    }
    pages
}

#[test]
fn docs_match_the_schema_and_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var("TRDR_UPDATE_DOCS").as_deref() == Ok("1");
    let mut stale = Vec::new();
    for (path, text) in rendered() {
        let file = root.join(&path);
        if update {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &text).unwrap();
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "docs out of date (run `make docs`): {stale:?}"
    );
}

/// The platform example cannot be applied here (the `hashicorp/aws` provider is not installable
/// offline), so its DR wiring is checked by reading: clients calling `record_name` need a
/// certificate for it, which the default `execute-api` host names do not have.
#[test]
fn the_platform_example_puts_custom_domains_behind_the_failover_records() {
    let main = read("examples/two-region-dr/main.tf");
    for endpoint in ["primary_endpoint", "secondary_endpoint"] {
        let line = main
            .lines()
            .find(|l| l.trim_start().starts_with(endpoint))
            .unwrap_or_else(|| panic!("{endpoint} is set"));
        assert!(
            !line.contains("execute-api") && line.contains("module.domain_"),
            "{endpoint} must be a regional custom domain: {line}"
        );
    }
    let domain = read("examples/two-region-dr/regional-domain/main.tf");
    for needed in [
        "resource \"aws_acm_certificate\"",
        "domain_name               = var.record_name",
        "resource \"aws_api_gateway_domain_name\"",
        "regional_certificate_arn",
        "types = [\"REGIONAL\"]",
        "resource \"aws_api_gateway_base_path_mapping\"",
    ] {
        assert!(domain.contains(needed), "regional-domain has {needed}");
    }
    let api = read("examples/two-region-dr/api.tf");
    assert!(
        api.contains("module \"domain_primary\"") && api.contains("module \"domain_secondary\"")
    );
}
