//! `trdr-proxy`: a slow, flaky AWS in front of the local sandbox, for benchmarks and fault
//! tests. Prints its URL, serves until stdin closes (or Ctrl-C), then prints the call counts as
//! JSON on stdout.
//!
//! trdr-proxy --upstream http://127.0.0.1:4566 [--latency-ms 30] [--throttle 0.2]
//!            [--server-error 0.05] [--drop 0.0]

use std::time::Duration;

use trdr_testing::proxy::{Faults, Proxy};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(upstream) = arg(&args, "--upstream") else {
        eprintln!("usage: trdr-proxy --upstream http://127.0.0.1:PORT [--latency-ms N] [--throttle P] [--server-error P] [--drop P]");
        return std::process::ExitCode::from(2);
    };
    let num = |n: &str| {
        arg(&args, n)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let faults = Faults {
        latency: Duration::from_secs_f64(num("--latency-ms") / 1000.0),
        throttle: num("--throttle"),
        server_error: num("--server-error"),
        drop: num("--drop"),
    };
    let proxy = match Proxy::start(&upstream, faults).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("trdr-proxy: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    println!("{}", proxy.url());
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {}
    });
    tokio::select! {
        _ = stdin_closed => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    println!(
        "{}",
        serde_json::to_string(&proxy.stats()).unwrap_or_default()
    );
    std::process::ExitCode::SUCCESS
}
