fn main() -> Result<(), Box<dyn std::error::Error>> {
    // trdr: a protoc named by PROTOC wins; otherwise the one vendored from crates.io.
    if std::env::var_os("PROTOC").is_none() {
        std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    }
    tonic_build::configure()
        .protoc_arg("--experimental_allow_proto3_optional")
        .build_client(false)
        .compile(
            &["proto/plugin.proto", "proto/tfplugin6.10.proto"],
            &["proto"],
        )?;
    Ok(())
}
