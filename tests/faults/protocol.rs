//! Protocol robustness against the running plugin: random and malformed payloads at every RPC of
//! plugin protocol 6, over gRPC, as Terraform would send them. Every call must come back (a
//! response with diagnostics, or a gRPC status) and the plugin must still be serving afterwards.

use std::process::{Command, Stdio};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The generated protocol-6 client (build.rs); only part of it is used here.
#[allow(dead_code, clippy::all)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

use tfplugin6::provider_client::ProviderClient;
use tfplugin6::*;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const TYPES: &[&str] = &[
    "trdr_regional_stack",
    "trdr_global_database",
    "trdr_failover_orchestrator",
    "trdr_failover_readiness",
    "trdr_nope",
    "",
];

/// Random msgpack: sometimes valid maps with our attribute names and wild values, sometimes junk.
fn payload(rng: &mut StdRng) -> Vec<u8> {
    match rng.gen_range(0..4) {
        0 => (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect(),
        1 => vec![0x91; rng.gen_range(1..5000)],
        _ => {
            let keys = [
                "name",
                "environment_suffix",
                "region",
                "buckets",
                "primary",
                "secondary",
                "writer_region",
                "dns",
                "replica_of",
                "timeouts",
                "serverless_v2",
                "id",
            ];
            let mut m = Vec::new();
            for _ in 0..rng.gen_range(0..8) {
                let k = keys[rng.gen_range(0..keys.len())];
                let v = match rng.gen_range(0..7) {
                    0 => rmpv::Value::Nil,
                    1 => rmpv::Value::Ext(0, vec![0]),
                    2 => rmpv::Value::from(rng.gen::<f64>() * 1e6),
                    3 => rmpv::Value::from("us-east-1"),
                    4 => rmpv::Value::Array(vec![rmpv::Value::from("x"); rng.gen_range(0..3)]),
                    5 => rmpv::Value::Map(vec![(
                        rmpv::Value::from("region"),
                        rmpv::Value::from(rng.gen::<i64>()),
                    )]),
                    _ => rmpv::Value::Binary(vec![1, 2, 3]),
                };
                m.push((rmpv::Value::from(k), v));
            }
            let mut out = Vec::new();
            rmpv::encode::write_value(&mut out, &rmpv::Value::Map(m)).unwrap();
            out
        }
    }
}

fn dv(rng: &mut StdRng) -> Option<DynamicValue> {
    if rng.gen_bool(0.1) {
        return None;
    }
    if rng.gen_bool(0.15) {
        let json: Vec<u8> = [&b"{\"name\":"[..], &[rng.gen()], b"}"].concat();
        return Some(DynamicValue {
            msgpack: vec![],
            json,
        });
    }
    Some(DynamicValue {
        msgpack: payload(rng),
        json: vec![],
    })
}

fn ty(rng: &mut StdRng) -> String {
    TYPES[rng.gen_range(0..TYPES.len())].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn random_payloads_at_every_rpc_of_the_running_plugin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-trdr"))
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env("TRDR_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr = line
        .split('|')
        .nth(3)
        .expect("handshake names the address")
        .to_string();
    let mut c = ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap();

    let mut rng = StdRng::seed_from_u64(0x6e7);
    let mut calls = 0;
    for _ in 0..150 {
        let r = match rng.gen_range(0..14) {
            0 => c
                .get_provider_schema(get_provider_schema::Request {})
                .await
                .map(|_| ()),
            1 => c
                .validate_provider_config(validate_provider_config::Request {
                    config: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            2 => c
                .configure_provider(configure_provider::Request {
                    terraform_version: "1.11.4".into(),
                    config: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            3 => c
                .validate_resource_config(validate_resource_config::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            4 => c
                .validate_data_resource_config(validate_data_resource_config::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            5 => c
                .upgrade_resource_state(upgrade_resource_state::Request {
                    type_name: ty(&mut rng),
                    version: rng.gen_range(-1..3),
                    raw_state: Some(RawState {
                        json: payload(&mut rng),
                        flatmap: Default::default(),
                    }),
                })
                .await
                .map(|_| ()),
            6 => c
                .read_resource(read_resource::Request {
                    type_name: ty(&mut rng),
                    current_state: dv(&mut rng),
                    private: payload(&mut rng),
                    provider_meta: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            7 => c
                .plan_resource_change(plan_resource_change::Request {
                    type_name: ty(&mut rng),
                    prior_state: dv(&mut rng),
                    proposed_new_state: dv(&mut rng),
                    config: dv(&mut rng),
                    prior_private: payload(&mut rng),
                    provider_meta: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            8 => c
                .apply_resource_change(apply_resource_change::Request {
                    type_name: ty(&mut rng),
                    prior_state: dv(&mut rng),
                    planned_state: dv(&mut rng),
                    config: dv(&mut rng),
                    planned_private: payload(&mut rng),
                    provider_meta: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            9 => c
                .import_resource_state(import_resource_state::Request {
                    type_name: ty(&mut rng),
                    id: format!("{}", rng.gen::<u32>()),
                })
                .await
                .map(|_| ()),
            10 => c
                .read_data_source(read_data_source::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                    provider_meta: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            11 => c.get_functions(get_functions::Request {}).await.map(|_| ()),
            12 => c
                .call_function(call_function::Request {
                    name: "nope".into(),
                    arguments: vec![],
                })
                .await
                .map(|_| ()),
            _ => c
                .move_resource_state(move_resource_state::Request {
                    source_provider_address: "x".into(),
                    source_type_name: ty(&mut rng),
                    source_schema_version: 0,
                    source_state: None,
                    target_type_name: ty(&mut rng),
                    source_private: vec![],
                })
                .await
                .map(|_| ()),
        };
        calls += 1;
        // A gRPC status is an answer too; what must not happen is the plugin going away.
        if let Err(status) = &r {
            assert_ne!(
                status.code(),
                tonic::Code::Unavailable,
                "the plugin stopped answering: {status}"
            );
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the plugin exited after {calls} calls"
        );
    }
    // Still serving a well-formed request.
    let schema = c
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.resource_schemas.contains_key("trdr_global_database"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(child.try_wait().unwrap().is_none());
    let _ = child.kill();
    let _ = child.wait();
}
