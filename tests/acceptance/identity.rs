//! `identity`: resource identity (Terraform 1.12+, plugin protocol 6.9) and list resources with
//! `terraform query` (1.14+): `make test` runs this under Terraform 1.15.5 (see
//! scripts/suite.py). The state records each resource's typed identity; `import`
//! blocks with an `identity` bring a removed topology back into the state without a change; a
//! query finds the topology by its suffix, and the configuration it generates imports all four
//! resources with nothing to change. The sandbox is checked through the SDK: nothing was made
//! again, the writer did not move.

use serde_json::json;

use crate::orchestrator::writer;
use crate::support::sandbox::Sandbox;
use crate::support::topology::{fixtures, topology};
use crate::workspace;

const ADDRESSES: [&str; 4] = [
    "trdr_regional_stack.primary",
    "trdr_regional_stack.secondary",
    "trdr_global_database.trading",
    "trdr_failover_orchestrator.trading",
];

const IMPORTS: &str = r#"
import {
  to       = trdr_regional_stack.primary
  identity = { name = "trdr", environment_suffix = "SUFFIX", region = "us-east-1" }
}

import {
  to       = trdr_regional_stack.secondary
  identity = { name = "trdr", environment_suffix = "SUFFIX", region = "us-east-2" }
}

import {
  to       = trdr_global_database.trading
  identity = { name = "trdr", environment_suffix = "SUFFIX" }
}

import {
  to       = trdr_failover_orchestrator.trading
  identity = { name = "trdr", environment_suffix = "SUFFIX" }
}
"#;

/// Lists by suffix alone, so each list searches the account (one listing call per region).
const QUERY: &str = r#"
list "trdr_regional_stack" "stacks" {
  provider = trdr
  config {
    environment_suffix = "SUFFIX"
  }
}

list "trdr_global_database" "databases" {
  provider = trdr
  config {
    environment_suffix = "SUFFIX"
  }
}

list "trdr_failover_orchestrator" "orchestrators" {
  provider = trdr
  config {
    environment_suffix = "SUFFIX"
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn identities_import_the_topology_and_a_query_finds_it_with_config_that_plans_no_change() {
    let ws = workspace!("idq");
    if !ws.has_terraform((1, 14), "identity and terraform query") {
        return;
    }
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    let config = topology(&f, 300);
    ws.write(&config);
    ws.apply();

    // The state records each resource's typed identity.
    let suffix = ws.suffix.clone();
    let wanted = [
        json!({"name": "trdr", "environment_suffix": suffix, "region": "us-east-1"}),
        json!({"name": "trdr", "environment_suffix": suffix, "region": "us-east-2"}),
        json!({"name": "trdr", "environment_suffix": suffix}),
        json!({"name": "trdr", "environment_suffix": suffix}),
    ];
    let state = ws.state();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    for (address, want) in ADDRESSES.iter().zip(&wanted) {
        let r = resources
            .iter()
            .find(|r| r["address"] == *address)
            .unwrap_or_else(|| panic!("{address} in {state}"));
        assert_eq!(&r["identity"], want, "{address}");
    }
    let before: Vec<_> = ADDRESSES.iter().map(|a| ws.resource(a)).collect();

    // Out of the state, back in through import blocks with identities: nothing to change after,
    // the same objects in the sandbox.
    ws.state_rm(&ADDRESSES);
    ws.write(&format!("{config}{IMPORTS}"));
    let out = ws.apply();
    assert!(
        out.contains("4 imported, 0 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    ws.assert_plan_empty();
    for (address, was) in ADDRESSES.iter().zip(&before) {
        let now = ws.resource(address);
        for key in [
            "id",
            "table_arn",
            "global_cluster_arn",
            "state_machine_arns",
        ] {
            assert_eq!(now.get(key), was.get(key), "{address}.{key}");
        }
    }
    // The table and its replica, the two members: nothing made again.
    assert_eq!(aws.tables_with(&suffix).await.len(), 2);
    assert_eq!(aws.clusters_with(&suffix, "us-east-1").await.len(), 1);
    assert_eq!(aws.clusters_with(&suffix, "us-east-2").await.len(), 1);
    assert_eq!(writer(&ws).await, "us-east-1");

    // A query by suffix lists the four, and the configuration it generates imports them with
    // nothing to add or change (a second root module, with its own empty state).
    // Not trdr's: a global cluster and a table named as trdr names its own (`orders` a stack's
    // session table), carrying the suffix but not `ManagedBy = trdr`. Listings answer one item
    // a page, so only a list that follows every page (and skips these) finds the four.
    let foreign_global = format!("foreign-global-{suffix}");
    let foreign_table = format!("orders-sessions-{suffix}");
    let rds = aws.rds("us-east-1").await;
    rds.create_global_cluster()
        .global_cluster_identifier(&foreign_global)
        .engine("aurora-postgresql")
        .engine_version("15.10")
        .send()
        .await
        .unwrap();
    let dynamodb = aws.dynamodb("us-east-1").await;
    dynamodb
        .create_table()
        .table_name(&foreign_table)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ws.write_in("q", &[("search.tfquery.hcl", QUERY)]);
    let sandbox = Sandbox::at(ws.endpoint.as_deref());
    if let Some(s) = &sandbox {
        s.list_page(Some(1));
    }
    let (ok, out) = ws.run_in("q", &["query", "-generate-config-out=generated.tf"]);
    if let Some(s) = &sandbox {
        s.list_page(None);
    }
    assert!(ok, "{out}");
    assert!(
        !out.contains("orders"),
        "a foreign table was listed:\n{out}"
    );
    for shown in [
        format!("regional stack trdr:{suffix}:us-east-1"),
        format!("regional stack trdr:{suffix}:us-east-2"),
        format!("global database trdr-global-{suffix}"),
        format!("failover orchestrator trdr:{suffix}"),
    ] {
        assert!(out.contains(&shown), "{shown} in:\n{out}");
    }
    let generated = std::fs::read_to_string(ws.path().join("q/generated.tf")).unwrap();
    assert_eq!(generated.matches("import {").count(), 4, "{generated}");
    assert!(generated.contains("identity = {"), "{generated}");
    assert!(
        !generated.contains("foreign") && !generated.contains("orders"),
        "{generated}"
    );
    let (ok, plan) = ws.run_in("q", &["plan", "-input=false"]);
    assert!(ok, "{plan}");
    assert!(
        plan.contains("Plan: 4 to import, 0 to add, 0 to change, 0 to destroy."),
        "{plan}\n\ngenerated:\n{generated}"
    );

    // An identity that names nothing: the plan fails saying so, and nothing is made.
    ws.write_in(
        "missing",
        &[(
            "import.tf",
            r#"
import {
  to       = trdr_global_database.none
  identity = { name = "nobody", environment_suffix = "SUFFIX" }
}

resource "trdr_global_database" "none" {
  name               = "nobody"
  environment_suffix = "SUFFIX"
  engine_version     = "15.10"
  master_username    = "dbadmin"
  primary {}
  secondary {}
}
"#,
        )],
    );
    let (ok, out) = ws.run_in("missing", &["plan", "-input=false"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "Cannot import global database nobody-global-{suffix}: it does not exist"
        )),
        "{out}"
    );

    // A list of a region the provider does not serve is refused, naming the attribute.
    ws.write_in(
        "elsewhere",
        &[(
            "search.tfquery.hcl",
            "list \"trdr_regional_stack\" \"eu\" {\n  provider = trdr\n  config {\n    region = \"eu-west-1\"\n  }\n}\n",
        )],
    );
    let (ok, out) = ws.run_in("elsewhere", &["query"]);
    assert!(!ok, "{out}");
    assert!(out.contains("Region not served by this provider"), "{out}");

    rds.delete_global_cluster()
        .global_cluster_identifier(&foreign_global)
        .send()
        .await
        .unwrap();
    dynamodb
        .delete_table()
        .table_name(&foreign_table)
        .send()
        .await
        .unwrap();
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}
