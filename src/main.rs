//! The plugin binary. Terraform starts it; run by hand it explains itself and exits.

use std::process::ExitCode;

/// go-plugin's handshake cookie: Terraform sets it when it launches a provider.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn init_logging() {
    // tf-provider installs its own subscriber when PLUGIN_LOG_FILE is set.
    if std::env::var_os("PLUGIN_LOG_FILE").is_some() {
        return;
    }
    // Terraform forwards the plugin's stderr to its log at TF_LOG / TF_LOG_PROVIDER levels.
    let level = std::env::var("TF_LOG_PROVIDER")
        .or_else(|_| std::env::var("TF_LOG"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let filter = match level.as_str() {
        "trace" | "json" => "trace",
        "debug" => "debug",
        "warn" => "warn",
        "error" => "error",
        _ => "info",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "warn,trdr={filter},terraform_provider_trdr={filter}"
    ));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

fn main() -> ExitCode {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "terraform-provider-trdr {}: this is a Terraform plugin; Terraform or OpenTofu runs it. Use it with `source = \"trdr-dev/trdr\"` in required_providers (see README.md).",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::from(1);
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-trdr: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(trdr::serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "plugin server stopped");
            ExitCode::from(1)
        }
    }
}
