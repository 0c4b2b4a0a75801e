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

fn action(rng: &mut StdRng) -> String {
    [
        "trdr_drill",
        "trdr_switchover",
        "trdr_failover",
        "trdr_nope",
        "",
    ][rng.gen_range(0..5)]
    .to_string()
}

fn ty(rng: &mut StdRng) -> String {
    TYPES[rng.gen_range(0..TYPES.len())].to_string()
}

/// Starts the plugin as Terraform does (magic cookie, protocol 6, `PLUGIN_CLIENT_CERT` when
/// given); returns it and its handshake line.
fn start_plugin(client_cert: Option<&str>) -> (std::process::Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terraform-provider-trdr"));
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("TRDR_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match client_cert {
        Some(pem) => cmd.env("PLUGIN_CLIENT_CERT", pem),
        None => cmd.env_remove("PLUGIN_CLIENT_CERT"),
    };
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    (child, line)
}

/// The plugin started without a client certificate (plain gRPC, as go-plugin without AutoMTLS),
/// and a client connected to it.
async fn plaintext_plugin() -> (
    std::process::Child,
    ProviderClient<tonic::transport::Channel>,
) {
    let (child, line) = start_plugin(None);
    let addr = line
        .split('|')
        .nth(3)
        .expect("handshake names the address")
        .to_string();
    let client = ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    (child, client)
}

#[tokio::test(flavor = "multi_thread")]
async fn random_payloads_at_every_rpc_of_the_running_plugin() {
    let (mut child, mut c) = plaintext_plugin().await;

    let mut rng = StdRng::seed_from_u64(0x6e7);
    let mut calls = 0;
    for _ in 0..150 {
        let r = match rng.gen_range(0..21) {
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
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            3 => c
                .validate_resource_config(validate_resource_config::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                    ..Default::default()
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
                    ..Default::default()
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
                    ..Default::default()
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
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            9 => c
                .import_resource_state(import_resource_state::Request {
                    type_name: ty(&mut rng),
                    id: format!("{}", rng.gen::<u32>()),
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            10 => c
                .read_data_source(read_data_source::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                    provider_meta: dv(&mut rng),
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            11 => c.get_functions(get_functions::Request {}).await.map(|_| ()),
            14 => c
                .validate_action_config(validate_action_config::Request {
                    type_name: action(&mut rng),
                    config: dv(&mut rng),
                })
                .await
                .map(|_| ()),
            15 => c
                .plan_action(plan_action::Request {
                    action_type: action(&mut rng),
                    config: dv(&mut rng),
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            16 => match c
                .invoke_action(invoke_action::Request {
                    action_type: action(&mut rng),
                    config: dv(&mut rng),
                    ..Default::default()
                })
                .await
            {
                // The stream ends with its Completed event, whatever the input.
                Ok(stream) => {
                    let mut stream = stream.into_inner();
                    let mut last = None;
                    let ended = loop {
                        match stream.message().await {
                            Ok(Some(event)) => last = Some(event),
                            Ok(None) => break Ok(()),
                            Err(e) => break Err(e),
                        }
                    };
                    if ended.is_ok() {
                        assert!(
                            matches!(
                                last.and_then(|e| e.r#type),
                                Some(invoke_action::event::Type::Completed(_))
                            ),
                            "an InvokeAction stream must end with Completed"
                        );
                    }
                    ended
                }
                Err(e) => Err(e),
            },
            17 => c
                .get_resource_identity_schemas(get_resource_identity_schemas::Request {})
                .await
                .map(|_| ()),
            18 => c
                .upgrade_resource_identity(upgrade_resource_identity::Request {
                    type_name: ty(&mut rng),
                    version: rng.gen_range(-1..3),
                    raw_identity: Some(RawState {
                        json: payload(&mut rng),
                        flatmap: Default::default(),
                    }),
                })
                .await
                .map(|_| ()),
            19 => c
                .validate_list_resource_config(validate_list_resource_config::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                    ..Default::default()
                })
                .await
                .map(|_| ()),
            20 => match c
                .list_resource(list_resource::Request {
                    type_name: ty(&mut rng),
                    config: dv(&mut rng),
                    include_resource_object: rng.gen(),
                    limit: rng.gen_range(-1..5),
                })
                .await
            {
                // The stream ends, whatever the input.
                Ok(stream) => {
                    let mut stream = stream.into_inner();
                    loop {
                        match stream.message().await {
                            Ok(Some(_)) => {}
                            Ok(None) => break Ok(()),
                            Err(e) => break Err(e),
                        }
                    }
                }
                Err(e) => Err(e),
            },
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
                    ..Default::default()
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
    assert!(schema
        .list_resource_schemas
        .contains_key("trdr_regional_stack"));
    let identities = c
        .get_resource_identity_schemas(get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner()
        .identity_schemas;
    let fields: Vec<_> = identities["trdr_regional_stack"]
        .identity_attributes
        .iter()
        .map(|a| (a.name.as_str(), a.required_for_import))
        .collect();
    assert_eq!(
        fields,
        [
            ("name", true),
            ("environment_suffix", true),
            ("region", true)
        ]
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(child.try_wait().unwrap().is_none());
    let _ = child.kill();
    let _ = child.wait();
}

/// `UpgradeResourceState` as Terraform sends it: state of an earlier schema version comes back
/// upgraded, state of a later one (a newer trdr wrote it) is refused with an error naming both
/// versions, and the current version's passes unchanged.
#[tokio::test(flavor = "multi_thread")]
async fn state_of_an_earlier_schema_version_is_upgraded_and_of_a_later_one_refused() {
    let (mut child, c) = plaintext_plugin().await;
    let stored = serde_json::json!({
        "name": "trading", "environment_suffix": "dev",
        "automatic_failover": [{"paused": false, "failure_window_seconds": 60}],
    });
    let upgrade = |version: i64| {
        let request = upgrade_resource_state::Request {
            type_name: "trdr_failover_orchestrator".into(),
            version,
            raw_state: Some(RawState {
                json: serde_json::to_vec(&stored).unwrap(),
                flatmap: Default::default(),
            }),
        };
        let mut c = c.clone();
        async move {
            c.upgrade_resource_state(request)
                .await
                .unwrap()
                .into_inner()
        }
    };
    let details = |r: &upgrade_resource_state::Response| -> Vec<String> {
        r.diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect()
    };
    let state = |r: &upgrade_resource_state::Response| -> serde_json::Value {
        let v = r.upgraded_state.as_ref().expect("an upgraded state");
        if v.json.is_empty() {
            rmp_serde::from_slice(&v.msgpack).unwrap()
        } else {
            serde_json::from_slice(&v.json).unwrap()
        }
    };

    let from_0 = upgrade(0).await;
    assert!(from_0.diagnostics.is_empty(), "{:?}", details(&from_0));
    let v = state(&from_0);
    assert_eq!(
        v["automatic_failover"][0]["paused"],
        serde_json::Value::Null,
        "{v}"
    );
    assert_eq!(
        v["automatic_failover"][0]["failure_window_seconds"], 60,
        "{v}"
    );

    let current = upgrade(1).await;
    assert!(current.diagnostics.is_empty(), "{:?}", details(&current));
    assert_eq!(state(&current)["automatic_failover"][0]["paused"], false);

    let later = upgrade(7).await;
    let said = details(&later).join("\n");
    assert!(said.contains("State written by a newer trdr"), "{said}");
    assert!(
        said.contains("schema version 7") && said.contains("up to 1"),
        "{said}"
    );
    assert!(
        later.upgraded_state.is_none()
            || later
                .diagnostics
                .iter()
                .any(|d| d.severity == diagnostic::Severity::Error as i32)
    );

    assert!(child.try_wait().unwrap().is_none());
    let _ = child.kill();
    let _ = child.wait();
}

/// A certificate made the way go-plugin's AutoMTLS makes Terraform's: a self-signed ECDSA P-521 /
/// SHA-512 CA for `localhost`, for client and server auth.
struct Made {
    pem: String,
    der: Vec<u8>,
    key_der: Vec<u8>,
}

fn go_plugin_certificate() -> Made {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P521_SHA512,
    };
    let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "HashiCorp");
    dn.push(DnType::CommonName, "localhost");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let key = KeyPair::generate_for(&PKCS_ECDSA_P521_SHA512).unwrap();
    let cert = p.self_signed(&key).unwrap();
    Made {
        pem: cert.pem(),
        der: cert.der().to_vec(),
        key_der: key.serialize_der(),
    }
}

/// Trusts exactly the certificate the plugin announced in its handshake, as go-plugin does (it
/// is a self-signed CA, which a WebPKI verifier refuses as a server certificate), and checks the
/// handshake signatures with the process's crypto provider.
#[derive(Debug)]
struct Pinned(Vec<u8>);

impl tokio_rustls::rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &tokio_rustls::rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[tokio_rustls::rustls::pki_types::CertificateDer<'_>],
        _name: &tokio_rustls::rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: tokio_rustls::rustls::pki_types::UnixTime,
    ) -> Result<tokio_rustls::rustls::client::danger::ServerCertVerified, tokio_rustls::rustls::Error>
    {
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(tokio_rustls::rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(tokio_rustls::rustls::Error::General(
                "not the announced certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &tokio_rustls::rustls::pki_types::CertificateDer<'_>,
        dss: &tokio_rustls::rustls::DigitallySignedStruct,
    ) -> Result<
        tokio_rustls::rustls::client::danger::HandshakeSignatureValid,
        tokio_rustls::rustls::Error,
    > {
        tokio_rustls::rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &tokio_rustls::rustls::pki_types::CertificateDer<'_>,
        dss: &tokio_rustls::rustls::DigitallySignedStruct,
    ) -> Result<
        tokio_rustls::rustls::client::danger::HandshakeSignatureValid,
        tokio_rustls::rustls::Error,
    > {
        tokio_rustls::rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<tokio_rustls::rustls::SignatureScheme> {
        algorithms().supported_schemes()
    }
}

fn algorithms() -> tokio_rustls::rustls::crypto::WebPkiSupportedAlgorithms {
    tokio_rustls::rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms
}

/// One connection to the plugin over TLS (h2), trusting the certificate its handshake announced
/// and presenting `identity` (or none); `Ok` when `GetProviderSchema` was served.
async fn schema_over_tls(
    addr: &str,
    server_der: &[u8],
    identity: Option<&Made>,
) -> Result<(), String> {
    use std::sync::Arc;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::ClientConfig;
    let builder = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(Pinned(server_der.to_vec())));
    let mut config = match identity {
        Some(m) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(m.der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(m.key_der.clone())),
            )
            .map_err(|e| e.to_string())?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let addr = addr.to_string();
    let channel = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .connect_with_connector(tower::service_fn(move |_| {
            let (connector, addr) = (connector.clone(), addr.clone());
            async move {
                let tcp = tokio::net::TcpStream::connect(&addr).await?;
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost")
                    .unwrap()
                    .to_owned();
                let tls = connector.connect(name, tcp).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    ProviderClient::new(channel)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .map(|_| ())
        .map_err(|e| format!("call: {e:?}"))
}

/// Issue 12: started as Terraform starts it (magic cookie, `PLUGIN_CLIENT_CERT`), the plugin
/// serves only the holder of that certificate; without a client certificate, or with another
/// self-signed one, the TLS handshake is refused, and the right client is served afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn the_channel_requires_terraforms_client_certificate() {
    let terraform = go_plugin_certificate();
    let (mut child, line) = start_plugin(Some(&terraform.pem));
    // go-plugin's handshake: CORE|APP|NETWORK|ADDR|PROTOCOL|SERVER CERT (base64 DER, no padding).
    let fields: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(
        fields.len(),
        6,
        "the handshake announces a server certificate: {line}"
    );
    let addr = fields[3].to_string();
    let der = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5].trim_end_matches('='))
            .expect("base64 DER")
    };

    let served = schema_over_tls(&addr, &der, Some(&terraform)).await;
    assert_eq!(served, Ok(()), "Terraform's certificate is served");
    let anonymous = schema_over_tls(&addr, &der, None).await;
    assert!(anonymous.is_err(), "no client certificate: {anonymous:?}");
    let stranger = schema_over_tls(&addr, &der, Some(&go_plugin_certificate())).await;
    assert!(
        stranger.is_err(),
        "another self-signed certificate: {stranger:?}"
    );
    let again = schema_over_tls(&addr, &der, Some(&terraform)).await;
    assert_eq!(again, Ok(()), "still serving Terraform");
    let _ = child.kill();
    let _ = child.wait();
}

/// Issue 12: Ctrl-C in a terminal reaches the plugin too (SIGINT to the process group), and
/// Terraform then sends StopProvider; neither ends the plugin: Terraform still needs it to answer
/// the calls in flight, and closes it when it is done.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupt_and_stop_provider_leave_the_plugin_serving() {
    let (mut child, mut c) = plaintext_plugin().await;
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let stopped = c
        .stop_provider(tfplugin6::stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stopped.error, "");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the plugin exited on the interrupt or the stop"
    );
    let schema = c
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("still serving after StopProvider")
        .into_inner();
    assert!(schema.resource_schemas.contains_key("trdr_global_database"));
    let _ = child.kill();
    let _ = child.wait();
}
