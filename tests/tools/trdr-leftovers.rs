//! `cargo run --example trdr-leftovers`: what a destroy left behind, for scripts (the demo) — the check the
//! acceptance and fault suites run after every destroy ([`trdr_testing::leftovers`]).
//! Prints each leftover (kind, id, region) and exits 1; exits 0 when nothing is left, 2 when
//! the account could not be read (never "nothing left" on an error).
//!
//! trdr-leftovers --suffix ENVIRONMENT_SUFFIX --regions us-east-1,us-east-2
//!                [--records api.example.com,...] [--endpoint URL]
//!
//! `--records`: the orchestrator's record names where they do not carry the suffix.

use std::process::ExitCode;

use aws_config::AppName;
use trdr_testing::leftovers::{self, Account};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(suffix), Some(regions)) = (arg(&args, "--suffix"), arg(&args, "--regions")) else {
        eprintln!("usage: trdr-leftovers --suffix ENVIRONMENT_SUFFIX --regions us-east-1,us-east-2 [--records NAME,...] [--endpoint http://127.0.0.1:PORT]");
        return ExitCode::from(2);
    };
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    };
    let regions = list(&regions);
    let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
    let records = list(&arg(&args, "--records").unwrap_or_default());
    let records: Vec<&str> = records.iter().map(String::as_str).collect();
    let app = AppName::new("trdr-leftovers").expect("a valid app id");
    let account = Account::new(arg(&args, "--endpoint"), app);
    match leftovers::find(&account, &suffix, &regions, &records).await {
        Ok(left) => match leftovers::report(&suffix, &regions, &left) {
            Some(text) => {
                println!("{text}");
                ExitCode::from(1)
            }
            None => {
                println!(
                    "nothing named for {suffix:?} left in {} or the global services ({} kinds looked for)",
                    regions.join(", "),
                    leftovers::KINDS.len()
                );
                ExitCode::SUCCESS
            }
        },
        Err(e) => {
            eprintln!("trdr-leftovers: {e}");
            ExitCode::from(2)
        }
    }
}
