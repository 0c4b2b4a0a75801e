//! Generates a plugin-protocol-6 (6.10) *client* from tests/proto/tfplugin6.proto, for the test that
//! sends random payloads to every RPC of the running plugin (tests/faults/protocol.rs). The
//! provider itself does not use it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=tests/proto/tfplugin6.proto");
    // A protoc named by PROTOC wins; otherwise the one vendored from crates.io, so a plain
    // `cargo build` needs no protoc on the system.
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    }
    tonic_build::configure()
        .build_server(false)
        .build_client(true)
        .protoc_arg("--experimental_allow_proto3_optional")
        .compile_protos(&["tests/proto/tfplugin6.proto"], &["tests/proto"])?;
    Ok(())
}
