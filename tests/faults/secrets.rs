//! No secret in any log or in the state: with TF_LOG=trace, the AWS secret key, the assume-role
//! external id and the database's master password (kept by RDS in Secrets Manager) never appear.

use crate::workspace;

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_the_logs_or_the_state() {
    let mut ws = workspace!("secret");
    if ws.endpoint.is_none() {
        crate::support::skip(
            "the secret key and the role it assumes are made up, which only the sandbox accepts",
        );
        return;
    }
    const SECRET_KEY: &str = "trdrSecretAccessKey9c1eZZ";
    const EXTERNAL_ID: &str = "ext-id-7f3a-do-not-log";
    ws.provider_extra = format!(
        "  assume_role {{\n    role_arn    = \"arn:aws:iam::000000000000:role/dr-deployer\"\n    external_id = \"{EXTERNAL_ID}\"\n  }}\n"
    );
    ws.write(
        r#"
resource "trdr_global_database" "d" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  engine_version     = "15.10"
  master_username    = "dbadmin"
  primary {}
  secondary {}
}"#,
    );
    let log = ws.path().join("trace.log");
    let run = |args: &[&str]| {
        ws.must_run_traced(args, &log, &[("AWS_SECRET_ACCESS_KEY", SECRET_KEY)]);
    };
    run(&["apply", "-auto-approve", "-input=false"]);

    let arn = ws.resource("trdr_global_database.d")["master_user_secret_arn"]
        .as_str()
        .unwrap()
        .to_string();
    let sm = aws_sdk_secretsmanager::Client::new(
        &aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            // Marks the test's own calls in the sandbox's call log (tests/sandbox/calllog.py).
            .app_name(aws_config::AppName::new("trdr-acceptance").unwrap())
            .endpoint_url(ws.endpoint.clone().unwrap())
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "test", "test", None, None, "t",
            ))
            .load()
            .await,
    );
    let value = sm.get_secret_value().secret_id(&arn).send().await.unwrap();
    let secret: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
    let password = secret["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 8);

    let logs = std::fs::read_to_string(&log).unwrap();
    let state = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap();
    assert!(
        logs.contains("provider.terraform-provider-trdr"),
        "the trace log holds the provider's own output"
    );
    for (what, s) in [
        ("secret access key", SECRET_KEY),
        ("external id", EXTERNAL_ID),
        ("master password", password.as_str()),
    ] {
        assert!(!logs.contains(s), "the {what} is in the trace log");
        assert!(!state.contains(s), "the {what} is in the state");
    }
    run(&["destroy", "-auto-approve", "-input=false"]);
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}
