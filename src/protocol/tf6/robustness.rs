//! Robustness: random and malformed values at every RPC the adapter serves. Whatever arrives, the
//! answer is diagnostics, never a panic (a caught panic would show as an "Internal error").

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tf_provider::{DataSource, Provider, Resource};

fn random_string(rng: &mut StdRng) -> String {
    const PIECES: &[&str] = &[
        "",
        "a",
        "us-east-1",
        "trdr:dev:us-east-1",
        "trading-global-dev",
        "arn:aws:iam::1:role/x",
        "-",
        "é✓\u{0}",
        "Z01",
        "15.10",
        "1h",
        "  ",
        "../..",
        "%s%n",
    ];
    if rng.gen_bool(0.2) {
        (0..rng.gen_range(0..300))
            .map(|_| rng.gen::<char>())
            .collect()
    } else {
        PIECES[rng.gen_range(0..PIECES.len())].repeat(rng.gen_range(1..4))
    }
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.gen_range(0..10) {
        0 => Value::Null,
        1 => Value::Unknown,
        2 => Value::Bool(rng.gen()),
        3 => Value::Number(
            [f64::NAN, f64::INFINITY, -1.0, 0.0, 0.5, 1e300, 17.0, -0.0][rng.gen_range(0..8)],
        ),
        4 | 5 => Value::String(random_string(rng)),
        6 | 7 if depth < 4 => Value::List(
            (0..rng.gen_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ if depth < 4 => {
            let mut m = Value::object();
            for _ in 0..rng.gen_range(0..4) {
                m.set(&random_string(rng), random_value(rng, depth + 1));
            }
            m
        }
        _ => Value::Null,
    }
}

/// A value shaped like `block` with random contents, often well-formed enough to go deep.
fn shaped(rng: &mut StdRng, block: &crate::framework::Block) -> Value {
    let mut v = Value::object();
    for a in &block.attributes {
        if rng.gen_bool(0.8) {
            v.set(a.name, random_value(rng, 1));
        }
    }
    for nb in &block.blocks {
        let inner = shaped(rng, &nb.block);
        v.set(
            nb.name,
            if rng.gen_bool(0.5) {
                Value::List(vec![inner])
            } else {
                inner
            },
        );
    }
    v
}

fn assert_no_panic(diags: &tf_provider::Diagnostics, what: &str) {
    for d in &diags.errors {
        assert!(
            !d.summary.contains("Internal error in the trdr provider"),
            "{what}: {}: {}",
            d.summary,
            d.detail
        );
    }
}

#[tokio::test]
async fn every_rpc_answers_random_input_with_diagnostics() {
    let mut rng = StdRng::seed_from_u64(0x7d12);
    let ctx = Arc::new(ProviderContext::default());
    let provider = Tf6Provider::new(
        ctx.clone(),
        crate::resources(&ctx),
        crate::data_sources(&ctx),
        crate::actions(&ctx),
    );
    let resources: Vec<Tf6Resource> = crate::resources(&ctx)
        .iter()
        .map(|r| Adapter::new(r, &ctx))
        .collect();
    let sources: Vec<Tf6DataSource> = crate::data_sources(&ctx)
        .iter()
        .map(|d| Adapter::new(d, &ctx))
        .collect();
    for round in 0..300 {
        let mut diags = tf_provider::Diagnostics::default();
        let pconf = shaped(&mut rng, &config::schema().block);
        let _ = Provider::validate(&provider, &mut diags, pconf.clone()).await;
        if round % 10 == 0 {
            let _ = Provider::configure(&provider, &mut diags, "1.11.4".into(), pconf).await;
        }
        assert_no_panic(&diags, "provider");
        for r in &resources {
            let mut diags = tf_provider::Diagnostics::default();
            let (a, b, c) = (
                shaped(&mut rng, &r.schema.block),
                shaped(&mut rng, &r.schema.block),
                random_value(&mut rng, 0),
            );
            let _ = Resource::validate(r, &mut diags, a.clone()).await;
            let _ = Resource::plan_create(r, &mut diags, a.clone(), a.clone(), Value::Null).await;
            let _ = Resource::plan_update(
                r,
                &mut diags,
                b.clone(),
                a.clone(),
                a.clone(),
                c.clone(),
                Value::Null,
            )
            .await;
            let _ = Resource::plan_update(
                r,
                &mut diags,
                c.clone(),
                c.clone(),
                c.clone(),
                Value::Null,
                Value::Null,
            )
            .await;
            let _ = Resource::plan_destroy(r, &mut diags, b.clone(), c.clone(), Value::Null).await;
            let _ = Resource::identity(r, &mut diags, &b);
            let _ = Resource::identity(r, &mut diags, &c);
            let list_config = match r.inner.list_schema() {
                Some(schema) if rng.gen_bool(0.7) => shaped(&mut rng, &schema.block),
                _ => random_value(&mut rng, 0),
            };
            let _ = Resource::validate_list(r, &mut diags, list_config.clone()).await;
            if ctx.get().is_none() {
                // Unconfigured: read, import and apply answer with a diagnostic, not a call.
                let _ = Resource::read(r, &mut diags, b.clone(), c.clone(), Value::Null).await;
                let _ = Resource::import(r, &mut diags, random_string(&mut rng)).await;
                let _ = Resource::import_by_identity(r, &mut diags, c.clone()).await;
                let _ = Resource::import_by_identity(r, &mut diags, b.clone()).await;
                let _ = Resource::list(r, &mut diags, list_config, rng.gen(), rng.gen()).await;
            }
            assert_no_panic(&diags, r.inner.name());
        }
        for s in &sources {
            let mut diags = tf_provider::Diagnostics::default();
            let a = shaped(&mut rng, &s.schema.block);
            let _ = DataSource::validate(s, &mut diags, a.clone()).await;
            if ctx.get().is_none() {
                let _ = DataSource::read(s, &mut diags, a, Value::Null).await;
            }
            assert_no_panic(&diags, s.inner.name());
        }
    }
}

#[test]
fn random_bytes_never_panic_the_decoders() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for _ in 0..20_000 {
        let len = rng.gen_range(0..64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if rng.gen_bool(0.3) && !bytes.is_empty() {
            bytes[0] = [0x80, 0x90, 0xc0, 0xd4, 0xde, 0xdc, 0xc7][rng.gen_range(0..7)];
        }
        let _ = rmp_serde::from_slice::<Value>(&bytes);
        let _ = serde_json::from_slice::<Value>(&bytes);
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = vec![0x91u8; 100_000];
    let _ = rmp_serde::from_slice::<Value>(&deep);
}
