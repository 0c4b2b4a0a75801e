//! `docs/` is rendered from the schemas and `examples/`; this test fails when it is out of date.
//! `make docs` (TRDR_UPDATE_DOCS=1) rewrites it.

use std::path::Path;
use std::sync::Arc;

#[path = "common/files.rs"]
mod common;

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

/// Issue 31: `docs/guides/troubleshooting.md` lists every error and warning the provider can
/// report. Every diagnostic summary built in `src/` is found by reading the source (see
/// [`summaries`]) and must appear in the guide, its `{…}` placeholders matching any text there
/// (the guide writes them as NAME, ID, REGION, …).
#[test]
fn the_troubleshooting_guide_lists_every_diagnostic_summary() {
    let found = summaries::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let guide = read("templates/guides/troubleshooting.md");
    println!(
        "{} diagnostic summaries found in src/:",
        found.summaries.len()
    );
    for (p, at) in &found.summaries {
        println!("  {}    ({})", summaries::show(p), at.join(", "));
    }
    assert!(
        found.summaries.len() >= 60,
        "only {} summaries found in src/: the extraction is broken",
        found.summaries.len()
    );
    assert!(
        found.unresolved.is_empty(),
        "summaries that cannot be read from the source (make them string literals or format! \
         templates, or teach tests/docs.rs to read them): {:#?}",
        found.unresolved
    );
    let missing = summaries::missing(&found, &guide);
    assert!(
        missing.is_empty(),
        "templates/guides/troubleshooting.md lacks {} diagnostic summaries (`*` is a placeholder; \
         write it as NAME, ID, REGION, …), then run `make docs`:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The check itself is not vacuous: a summary the guide lacks is reported, one it has is not,
/// and the extraction finds literals, `format!` templates, `let` variables, the callers of a
/// helper that takes the varying part, and skips test code.
#[test]
fn the_summary_check_reports_what_the_guide_lacks() {
    let source = r##"
        fn helper(diags: &mut Diagnostics, doing: &str) {
            diags.error(None, format!("Failed to {doing}"), "detail");
        }
        fn work(diags: &mut Diagnostics, id: &str) {
            let kind = if id.is_empty() { "blank" } else { "named" };
            diags.warning(Some(path), format!("Widget {id} is {kind}"), format!("{{not}} a summary"));
            diags.error(None, "Flux capacitor \"overloaded\"", "");
            helper(diags, &format!("frobnicate {}", id));
            helper(diags, "defrobnicate");
            let t = x.error(); // not a diagnostic: no arguments
        }
        #[cfg(test)]
        mod tests {
            fn t(diags: &mut Diagnostics) { diags.error(None, "Only in a test", ""); }
        }
    "##;
    let found = summaries::from_sources(&[("made_up.rs".to_string(), source.to_string())]);
    let shown: Vec<String> = found.summaries.keys().map(summaries::show).collect();
    assert_eq!(
        shown,
        [
            "Failed to defrobnicate",
            "Failed to frobnicate *",
            "Flux capacitor \"overloaded\"",
            "Widget * is blank",
            "Widget * is named",
        ],
        "{found:#?}"
    );
    assert!(found.unresolved.is_empty(), "{found:#?}");
    let guide =
        "## Apply\n\n### `Failed to frobnicate NAME`\n\nWidget W is blank; Widget W is named.\n\
                 Flux capacitor \"overloaded\"\n";
    assert_eq!(
        summaries::missing(&found, guide),
        ["Failed to defrobnicate    (made_up.rs:3)".to_string()]
    );
    // A placeholder matches within one line only.
    let split = "Widget W\nis blank, Widget W is named, Failed to frobnicate X, Failed to defrobnicate, Flux capacitor \"overloaded\"";
    assert_eq!(
        summaries::missing(&found, split),
        ["Widget * is blank    (made_up.rs:7)".to_string()]
    );
    // A made-up summary is reported against the real guide.
    let real = read("templates/guides/troubleshooting.md");
    let made_up = summaries::from_sources(&[(
        "made_up.rs".to_string(),
        "fn f(d: &mut Diagnostics) { d.error(None, format!(\"Could not reticulate {} splines\", n), \"\"); }".to_string(),
    )]);
    assert_eq!(
        summaries::missing(&made_up, &real),
        ["Could not reticulate * splines    (made_up.rs:1)".to_string()]
    );
}

/// Diagnostic summaries read from Rust source, without compiling it: a small lexer, then every
/// call that makes a diagnostic — `.error(path, SUMMARY, detail)`, `.warning(path, SUMMARY,
/// detail)`, `.root_error(SUMMARY, detail)`, a `Diagnostic { summary: … }` literal — with its
/// summary argument resolved to the texts it can be:
///
/// - a string literal is itself; a `format!` template is its text with each `{…}` resolved in
///   turn (a placeholder that cannot be resolved, or that has a format spec, is a wildcard);
/// - a variable is what its `let` in the enclosing function is (both branches of an `if`);
/// - a parameter of the enclosing function is what every call of that function (by name, same
///   number of arguments, method or not) passes there, so `Failed to {doing}` becomes one
///   summary per `doing` the callers give;
/// - anything else (a method call, a constant) is a wildcard.
///
/// Code under `#[cfg(test)]` (items and test-only module files) is skipped. A summary with no
/// literal text at all is reported as unresolved rather than passing vacuously.
mod summaries {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    #[derive(Clone, Debug, PartialEq)]
    enum Tok {
        Ident(String),
        Str(String),
        Punct(char),
        Other,
    }

    #[derive(Clone, Debug)]
    struct Token {
        tok: Tok,
        line: usize,
    }

    /// A piece of a summary: text, or a placeholder whose text varies.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Piece {
        Lit(String),
        Wild,
    }

    pub type Pattern = Vec<Piece>;

    #[derive(Debug, Default)]
    pub struct Found {
        /// Each summary, with where it is made (`file:line`).
        pub summaries: BTreeMap<Pattern, Vec<String>>,
        /// Summary arguments with no literal text at all.
        pub unresolved: Vec<String>,
    }

    pub fn show(p: &Pattern) -> String {
        p.iter()
            .map(|x| match x {
                Piece::Lit(s) => s.as_str(),
                Piece::Wild => "*",
            })
            .collect()
    }

    /// The summaries `found` has that `guide` lacks, each with where it is made.
    pub fn missing(found: &Found, guide: &str) -> Vec<String> {
        found
            .summaries
            .iter()
            .filter(|(p, _)| !guide.lines().any(|line| matches(p, line)))
            .map(|(p, at)| format!("{}    ({})", show(p), at.join(", ")))
            .collect()
    }

    /// Whether `line` holds the pattern: its texts in order, anything in place of a wildcard.
    fn matches(p: &Pattern, line: &str) -> bool {
        let mut at = 0;
        for piece in p {
            if let Piece::Lit(s) = piece {
                match line[at..].find(s.as_str()) {
                    Some(k) => at += k + s.len(),
                    None => return false,
                }
            }
        }
        true
    }

    pub fn from_dir(dir: &Path) -> Found {
        let files: Vec<(String, String)> = crate::common::files(dir, &[".rs"])
            .into_iter()
            .map(|path| {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        from_sources(&files)
    }

    struct File {
        name: String,
        toks: Vec<Token>,
    }

    struct Func {
        file: usize,
        name: String,
        method: bool,
        params: Vec<Option<String>>,
        body: (usize, usize),
    }

    struct Call {
        file: usize,
        name: String,
        method: bool,
        args: Vec<(usize, usize)>,
    }

    struct Index {
        files: Vec<File>,
        funcs: Vec<Func>,
        calls: Vec<Call>,
    }

    /// Texts a placeholder or argument may take, at most this many per summary.
    const MAX_VARIANTS: usize = 64;
    const MAX_DEPTH: usize = 8;

    pub fn from_sources(sources: &[(String, String)]) -> Found {
        let mut test_only: BTreeSet<String> = BTreeSet::new();
        let mut lexed = Vec::new();
        for (name, text) in sources {
            let (toks, test_mods) = strip_tests(lex(text));
            let dir = match name.rsplit_once('/') {
                Some((d, f)) if f == "mod.rs" || f == "lib.rs" || f == "main.rs" => {
                    format!("{d}/")
                }
                Some((d, f)) => format!("{d}/{}/", f.trim_end_matches(".rs")),
                None if name == "lib.rs" || name == "main.rs" => String::new(),
                None => format!("{}/", name.trim_end_matches(".rs")),
            };
            for m in test_mods {
                test_only.insert(format!("{dir}{m}.rs"));
                test_only.insert(format!("{dir}{m}/mod.rs"));
            }
            lexed.push(File {
                name: name.clone(),
                toks,
            });
        }
        let files: Vec<File> = lexed
            .into_iter()
            .filter(|f| {
                !test_only
                    .iter()
                    .any(|t| f.name == *t || f.name.starts_with(t.trim_end_matches("mod.rs")))
            })
            .collect();
        let mut index = Index {
            funcs: Vec::new(),
            calls: Vec::new(),
            files,
        };
        for f in 0..index.files.len() {
            index.scan(f);
        }
        let mut found = Found::default();
        for call in &index.calls {
            let summary_arg = match (call.name.as_str(), call.method, call.args.len()) {
                ("error" | "warning", true, 3) => 1,
                ("root_error" | "root_warning", true, 2) => 0,
                _ => continue,
            };
            let (s, e) = call.args[summary_arg];
            index.record(call.file, s, e, &mut found);
        }
        // `Diagnostic { summary: "…", … }` literals.
        for f in 0..index.files.len() {
            let toks = &index.files[f].toks;
            for i in 0..toks.len().saturating_sub(2) {
                if toks[i].tok == Tok::Ident("Diagnostic".into())
                    && toks[i + 1].tok == Tok::Punct('{')
                {
                    let close = matching(toks, i + 1);
                    for (s, e) in split_top(toks, i + 2, close, ',') {
                        if toks[s].tok == Tok::Ident("summary".into())
                            && toks.get(s + 1).map(|t| &t.tok) == Some(&Tok::Punct(':'))
                            && toks.get(s + 2).is_some_and(|t| {
                                matches!(t.tok, Tok::Str(_)) || t.tok == Tok::Ident("format".into())
                            })
                        {
                            index.record(f, s + 2, e, &mut found);
                        }
                    }
                }
            }
        }
        found
    }

    impl Index {
        fn record(&self, file: usize, s: usize, e: usize, found: &mut Found) {
            let at = format!(
                "{}:{}",
                self.files[file].name, self.files[file].toks[s].line
            );
            for p in self.resolve(file, s, e, 0) {
                if p.iter()
                    .any(|x| matches!(x, Piece::Lit(t) if t.trim().len() >= 3))
                {
                    let places = found.summaries.entry(p).or_default();
                    if !places.contains(&at) {
                        places.push(at.clone());
                    }
                } else {
                    found.unresolved.push(format!("{at}: {}", show(&p)));
                }
            }
        }

        /// Functions and calls of file `f`.
        fn scan(&mut self, f: usize) {
            let toks = &self.files[f].toks;
            for i in 0..toks.len() {
                let Tok::Ident(name) = &toks[i].tok else {
                    continue;
                };
                let prev = i.checked_sub(1).map(|p| &toks[p].tok);
                if name == "fn" {
                    if let Some(func) = function(toks, i) {
                        self.funcs.push(Func { file: f, ..func });
                    }
                } else if toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::Punct('('))
                    && prev != Some(&Tok::Ident("fn".into()))
                {
                    let close = matching(toks, i + 1);
                    self.calls.push(Call {
                        file: f,
                        name: name.clone(),
                        method: prev == Some(&Tok::Punct('.')),
                        args: split_top(toks, i + 2, close, ','),
                    });
                }
            }
        }

        /// The function whose body holds token `at` of file `f` (the innermost).
        fn enclosing(&self, f: usize, at: usize) -> Option<&Func> {
            self.funcs
                .iter()
                .filter(|g| g.file == f && g.body.0 < at && at < g.body.1)
                .min_by_key(|g| g.body.1 - g.body.0)
        }

        /// The texts the expression `toks[s..e]` of file `f` can be.
        fn resolve(&self, f: usize, mut s: usize, mut e: usize, depth: usize) -> Vec<Pattern> {
            let toks = &self.files[f].toks;
            let wild = vec![vec![Piece::Wild]];
            if depth > MAX_DEPTH {
                return wild;
            }
            while s < e && toks[s].tok == Tok::Punct('&') {
                s += 1;
            }
            // `x.into()`, `x.to_string()`, … are `x`.
            while e >= s + 4
                && toks[e - 4].tok == Tok::Punct('.')
                && matches!(&toks[e - 3].tok, Tok::Ident(m) if ["into", "to_string", "to_owned", "clone"].contains(&m.as_str()))
                && toks[e - 2].tok == Tok::Punct('(')
                && toks[e - 1].tok == Tok::Punct(')')
            {
                e -= 4;
            }
            if s >= e {
                return wild;
            }
            let tok = |i: usize| &toks[i].tok;
            match tok(s) {
                Tok::Str(text) if e == s + 1 => vec![vec![Piece::Lit(text.clone())]],
                Tok::Ident(m)
                    if m == "format"
                        && e > s + 3
                        && *tok(s + 1) == Tok::Punct('!')
                        && *tok(s + 2) == Tok::Punct('(') =>
                {
                    let args = split_top(toks, s + 3, e - 1, ',');
                    match args.first().map(|a| tok(a.0)) {
                        Some(Tok::Str(template)) => {
                            self.template(f, s, template, &args[1..], depth)
                        }
                        _ => wild,
                    }
                }
                Tok::Ident(m) if m == "if" => {
                    let mut out = Vec::new();
                    let mut i = s;
                    while i < e {
                        // The next block at this level is a branch; its value is its tail.
                        let Some(open) = (i..e).find(|&j| *tok(j) == Tok::Punct('{')) else {
                            break;
                        };
                        let close = matching(toks, open);
                        let tail = split_top(toks, open + 1, close, ';')
                            .last()
                            .copied()
                            .unwrap_or((close, close));
                        out.extend(self.resolve(f, tail.0, tail.1, depth + 1));
                        i = close + 1;
                        if i < e && *tok(i) == Tok::Ident("else".into()) {
                            i += 1;
                            if i < e && *tok(i) == Tok::Ident("if".into()) {
                                continue;
                            }
                        } else {
                            break;
                        }
                    }
                    if out.is_empty() {
                        wild
                    } else {
                        out
                    }
                }
                Tok::Ident(name) if e == s + 1 => self.variable(f, s, name, depth),
                _ => wild,
            }
        }

        /// A `format!` template's texts, each placeholder resolved.
        fn template(
            &self,
            f: usize,
            at: usize,
            template: &str,
            args: &[(usize, usize)],
            depth: usize,
        ) -> Vec<Pattern> {
            let toks = &self.files[f].toks;
            let named = |name: &str| {
                args.iter().find(|(s, e)| {
                    e - s > 2
                        && toks[*s].tok == Tok::Ident(name.into())
                        && toks[s + 1].tok == Tok::Punct('=')
                        && toks[s + 2].tok != Tok::Punct('=')
                })
            };
            let mut out: Vec<Pattern> = vec![Vec::new()];
            let mut next_positional = 0;
            let mut chars = template.chars().peekable();
            let mut text = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '{' if chars.peek() == Some(&'{') => {
                        chars.next();
                        text.push('{');
                    }
                    '}' if chars.peek() == Some(&'}') => {
                        chars.next();
                        text.push('}');
                    }
                    '{' => {
                        let mut inner = String::new();
                        for d in chars.by_ref() {
                            if d == '}' {
                                break;
                            }
                            inner.push(d);
                        }
                        let (arg, spec) = inner.split_once(':').unwrap_or((&inner, ""));
                        let arg = arg.trim();
                        let choices = if !spec.is_empty() {
                            vec![vec![Piece::Wild]]
                        } else if arg.is_empty() || arg.chars().all(|c| c.is_ascii_digit()) {
                            let n = if arg.is_empty() {
                                next_positional += 1;
                                next_positional - 1
                            } else {
                                arg.parse().unwrap()
                            };
                            match args.get(n) {
                                Some(&(s, e)) => self.resolve(f, s, e, depth + 1),
                                None => vec![vec![Piece::Wild]],
                            }
                        } else if let Some(&(s, e)) = named(arg) {
                            self.resolve(f, s + 2, e, depth + 1)
                        } else {
                            self.variable(f, at, arg, depth + 1)
                        };
                        let head = Piece::Lit(std::mem::take(&mut text));
                        let mut next = Vec::new();
                        for p in &out {
                            for choice in &choices {
                                if next.len() < MAX_VARIANTS {
                                    let mut q = p.clone();
                                    q.push(head.clone());
                                    q.extend(choice.iter().cloned());
                                    next.push(q);
                                }
                            }
                        }
                        out = next;
                    }
                    c => text.push(c),
                }
            }
            for p in &mut out {
                p.push(Piece::Lit(text.clone()));
            }
            out.into_iter().map(normalised).collect()
        }

        /// What variable `name`, used at token `at` of file `f`, can be: its `let`, or as a
        /// parameter what the callers pass.
        fn variable(&self, f: usize, at: usize, name: &str, depth: usize) -> Vec<Pattern> {
            let wild = vec![vec![Piece::Wild]];
            let Some(func) = self.enclosing(f, at) else {
                return wild;
            };
            let toks = &self.files[f].toks;
            // The last `let` of `name` before `at` (a plain or a tuple pattern).
            let mut binding = None;
            for i in func.body.0..at {
                if toks[i].tok != Tok::Ident("let".into()) {
                    continue;
                }
                let mut p = i + 1;
                if toks[p].tok == Tok::Ident("mut".into()) {
                    p += 1;
                }
                let Some(eq) = (p..at).find(|&j| {
                    toks[j].tok == Tok::Punct('=')
                        && toks[j + 1].tok != Tok::Punct('=')
                        && toks[j - 1].tok != Tok::Punct('=')
                }) else {
                    continue;
                };
                let end = split_top(toks, eq + 1, func.body.1, ';')
                    .first()
                    .map_or(eq + 1, |r| r.1);
                if toks[p].tok == Tok::Ident(name.into()) && p + 1 == eq {
                    binding = Some((eq + 1, end));
                } else if toks[p].tok == Tok::Punct('(') && toks[eq + 1].tok == Tok::Punct('(') {
                    let names = split_top(toks, p + 1, matching(toks, p), ',');
                    let values = split_top(toks, eq + 2, matching(toks, eq + 1), ',');
                    if let Some(k) = names.iter().position(|&(s, e)| {
                        toks[s..e].iter().any(|t| t.tok == Tok::Ident(name.into()))
                    }) {
                        if let Some(&v) = values.get(k) {
                            binding = Some(v);
                        }
                    }
                }
            }
            if let Some((s, e)) = binding {
                return self.resolve(f, s, e, depth + 1);
            }
            let Some(k) = func.params.iter().position(|p| p.as_deref() == Some(name)) else {
                return wild;
            };
            let mut out = Vec::new();
            for c in self.calls.iter().filter(|c| {
                c.name == func.name && c.method == func.method && c.args.len() == func.params.len()
            }) {
                let (s, e) = c.args[k];
                for p in self.resolve(c.file, s, e, depth + 1) {
                    if !out.contains(&p) && out.len() < MAX_VARIANTS {
                        out.push(p);
                    }
                }
            }
            if out.is_empty() {
                wild
            } else {
                out
            }
        }
    }

    fn normalised(p: Pattern) -> Pattern {
        let mut out: Pattern = Vec::new();
        for piece in p {
            match (out.last_mut(), piece) {
                (_, Piece::Lit(s)) if s.is_empty() => {}
                (Some(Piece::Lit(a)), Piece::Lit(b)) => a.push_str(&b),
                (Some(Piece::Wild), Piece::Wild) => {}
                (_, piece) => out.push(piece),
            }
        }
        out
    }

    /// The function declared at `toks[at]` (`fn`): its name, whether it takes `self`, its other
    /// parameters' names, and its body; `None` without a body.
    fn function(toks: &[Token], at: usize) -> Option<Func> {
        let Tok::Ident(name) = &toks.get(at + 1)?.tok else {
            return None;
        };
        let mut i = at + 2;
        if toks.get(i)?.tok == Tok::Punct('<') {
            let mut depth = 0;
            loop {
                match &toks.get(i)?.tok {
                    Tok::Punct('<') => depth += 1,
                    Tok::Punct('>') if toks[i - 1].tok != Tok::Punct('-') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            i += 1;
        }
        if toks.get(i)?.tok != Tok::Punct('(') {
            return None;
        }
        let close = matching(toks, i);
        let mut method = false;
        let mut params = Vec::new();
        for (s, e) in split_params(toks, i + 1, close) {
            let words: Vec<&Tok> = toks[s..e].iter().map(|t| &t.tok).collect();
            let colon = words
                .iter()
                .position(|t| **t == Tok::Punct(':'))
                .unwrap_or(words.len());
            let pattern: Vec<&Tok> = words[..colon]
                .iter()
                .copied()
                .filter(|t| {
                    !matches!(t, Tok::Punct('&') | Tok::Other) && **t != Tok::Ident("mut".into())
                })
                .collect();
            match pattern.as_slice() {
                [Tok::Ident(n)] if n == "self" => method = true,
                [Tok::Ident(n)] => params.push(Some(n.clone())),
                _ => params.push(None),
            }
        }
        let mut j = close + 1;
        let mut depth = 0i32;
        while j < toks.len() {
            match toks[j].tok {
                Tok::Punct('(' | '[') => depth += 1,
                Tok::Punct(')' | ']') => depth -= 1,
                Tok::Punct(';') if depth == 0 => return None,
                Tok::Punct('{') if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        (j < toks.len()).then(|| Func {
            file: 0,
            name: name.clone(),
            method,
            params,
            body: (j, matching(toks, j)),
        })
    }

    /// A parameter list `toks[s..e]` split at its commas: outside brackets and generics
    /// (`Vec<Step<'_, Failure>>` is one type; the `>` of `->` closes nothing).
    fn split_params(toks: &[Token], s: usize, e: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let (mut depth, mut start) = (0i32, s);
        for i in s..e {
            match toks[i].tok {
                Tok::Punct('(' | '[' | '{' | '<') => depth += 1,
                Tok::Punct('>') if toks[i - 1].tok == Tok::Punct('-') => {}
                Tok::Punct(')' | ']' | '}' | '>') => depth -= 1,
                Tok::Punct(',') if depth == 0 => {
                    out.push((start, i));
                    start = i + 1;
                }
                _ => {}
            }
        }
        if e > start {
            out.push((start, e));
        }
        out
    }

    /// The index of the bracket closing the one at `open` (the end when unbalanced).
    fn matching(toks: &[Token], open: usize) -> usize {
        let mut depth = 0;
        for (i, t) in toks.iter().enumerate().skip(open) {
            match t.tok {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        toks.len()
    }

    /// `toks[s..e]` split at `sep` outside brackets, empty parts dropped.
    fn split_top(toks: &[Token], s: usize, e: usize, sep: char) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let (mut depth, mut start) = (0i32, s);
        let e = e.min(toks.len());
        for (i, t) in toks.iter().enumerate().take(e).skip(s) {
            match t.tok {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => depth -= 1,
                Tok::Punct(c) if c == sep && depth == 0 => {
                    if i > start {
                        out.push((start, i));
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        if e > start {
            out.push((start, e));
        }
        out
    }

    /// The tokens without the items under `#[cfg(test)]`, and the modules declared test-only
    /// (`#[cfg(test)] mod NAME;`, whose files are skipped too).
    fn strip_tests(toks: Vec<Token>) -> (Vec<Token>, Vec<String>) {
        let is = |i: usize, t: Tok| toks.get(i).map(|x| &x.tok) == Some(&t);
        let mut out = Vec::new();
        let mut mods = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let cfg_test = is(i, Tok::Punct('#'))
                && is(i + 1, Tok::Punct('['))
                && is(i + 2, Tok::Ident("cfg".into()))
                && is(i + 3, Tok::Punct('('))
                && is(i + 4, Tok::Ident("test".into()))
                && is(i + 5, Tok::Punct(')'))
                && is(i + 6, Tok::Punct(']'));
            if !cfg_test {
                out.push(toks[i].clone());
                i += 1;
                continue;
            }
            let mut j = i + 7;
            let mut depth = 0i32;
            while j < toks.len() {
                match &toks[j].tok {
                    Tok::Ident(m) if m == "mod" && depth == 0 && is(j + 2, Tok::Punct(';')) => {
                        if let Tok::Ident(name) = &toks[j + 1].tok {
                            mods.push(name.clone());
                        }
                    }
                    Tok::Punct('(' | '[') => depth += 1,
                    Tok::Punct(')' | ']') => depth -= 1,
                    Tok::Punct(';') if depth == 0 => break,
                    Tok::Punct('{') if depth == 0 => {
                        j = matching(&toks, j);
                        break;
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
        }
        (out, mods)
    }

    /// Rust tokens enough for the above: identifiers, string literals (their value), single
    /// punctuation; comments dropped; numbers, characters and lifetimes as `Other`.
    fn lex(src: &str) -> Vec<Token> {
        let c: Vec<char> = src.chars().collect();
        let at = |i: usize| c.get(i).copied().unwrap_or('\0');
        let ident_start = |ch: char| ch.is_alphabetic() || ch == '_';
        let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
        let mut out = Vec::new();
        let (mut i, mut line) = (0, 1);
        while i < c.len() {
            let ch = c[i];
            let start_line = line;
            if ch == '\n' {
                line += 1;
                i += 1;
            } else if ch.is_whitespace() {
                i += 1;
            } else if ch == '/' && at(i + 1) == '/' {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            } else if ch == '/' && at(i + 1) == '*' {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            } else if let Some((after, hashes)) = raw_string_start(&c, i) {
                // r"…", r#"…"#, br"…": no escapes.
                let mut j = after;
                let mut text = String::new();
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|k| at(j + 1 + k) == '#') {
                        j += 1 + hashes;
                        break;
                    }
                    if c[j] == '\n' {
                        line += 1;
                    }
                    text.push(c[j]);
                    j += 1;
                }
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
                i = j;
            } else if ch == '"' || (ch == 'b' && at(i + 1) == '"') {
                let mut j = if ch == 'b' { i + 2 } else { i + 1 };
                let mut text = String::new();
                while j < c.len() && c[j] != '"' {
                    if c[j] == '\\' {
                        j += 1;
                        match at(j) {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            'r' => text.push('\r'),
                            '0' => text.push('\0'),
                            '\n' => {
                                line += 1;
                                while at(j + 1).is_whitespace() {
                                    if at(j + 1) == '\n' {
                                        line += 1;
                                    }
                                    j += 1;
                                }
                            }
                            'u' => {
                                let close = (j..c.len()).find(|&k| c[k] == '}').unwrap_or(j);
                                let hex: String = c[j + 2..close].iter().collect();
                                if let Some(x) =
                                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                                {
                                    text.push(x);
                                }
                                j = close;
                            }
                            'x' => {
                                let hex: String = c[j + 1..j + 3].iter().collect();
                                text.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?') as char);
                                j += 2;
                            }
                            other => text.push(other),
                        }
                    } else {
                        if c[j] == '\n' {
                            line += 1;
                        }
                        text.push(c[j]);
                    }
                    j += 1;
                }
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
                i = j + 1;
            } else if ch == '\'' {
                // A character ('x', '\n', '\u{..}') or a lifetime / label ('a, 'static).
                if at(i + 1) == '\\' {
                    let mut j = i + 3;
                    while j < c.len() && c[j] != '\'' {
                        j += 1;
                    }
                    i = j + 1;
                } else if at(i + 2) == '\'' {
                    i += 3;
                } else {
                    i += 1;
                    while i < c.len() && ident_char(c[i]) {
                        i += 1;
                    }
                }
                out.push(Token {
                    tok: Tok::Other,
                    line: start_line,
                });
            } else if ch.is_ascii_digit() {
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
                if at(i) == '.' && at(i + 1).is_ascii_digit() {
                    i += 1;
                    while i < c.len() && ident_char(c[i]) {
                        i += 1;
                    }
                }
                out.push(Token {
                    tok: Tok::Other,
                    line: start_line,
                });
            } else if ident_start(ch) {
                if ch == 'r' && at(i + 1) == '#' && ident_start(at(i + 2)) {
                    i += 2;
                }
                let s = i;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(c[s..i].iter().collect()),
                    line: start_line,
                });
            } else {
                out.push(Token {
                    tok: Tok::Punct(ch),
                    line: start_line,
                });
                i += 1;
            }
        }
        out
    }

    /// Where a raw string's text starts and how many `#` close it, when one starts at `i`.
    fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
        let mut j = i;
        if c.get(j) == Some(&'b') {
            j += 1;
        }
        if c.get(j) != Some(&'r') {
            return None;
        }
        j += 1;
        let mut hashes = 0;
        while c.get(j) == Some(&'#') {
            hashes += 1;
            j += 1;
        }
        (c.get(j) == Some(&'"')).then_some((j + 1, hashes))
    }
}

/// Issue 34: the compatibility guide's table of schema versions is each resource's own.
#[test]
fn the_compatibility_guide_states_each_resources_schema_version() {
    let guide = read("templates/guides/compatibility.md");
    let ctx = std::sync::Arc::new(trdr::provider::ProviderContext::default());
    for r in trdr::resources(&ctx) {
        let row = format!("| `trdr_{}` | {} |", r.name(), r.schema().version);
        assert!(guide.contains(&row), "the guide lacks {row}");
    }
}
