//! SDK clients the tests use to look at AWS itself.

use aws_config::{BehaviorVersion, Region};

pub struct Aws {
    endpoint: Option<String>,
}

impl Aws {
    pub fn new(endpoint: Option<String>) -> Self {
        Aws { endpoint }
    }

    async fn conf(&self, region: &str) -> aws_config::SdkConfig {
        // The app id marks these calls in the sandbox's call log (tests/sandbox/calllog.py) as
        // the tests' own, not the provider's: tests/permissions.rs checks only the provider's.
        let mut l = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .app_name(aws_config::AppName::new("trdr-acceptance").expect("a valid app id"));
        if let Some(url) = &self.endpoint {
            l = l
                .endpoint_url(url)
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "test",
                    "test",
                    None,
                    None,
                    "acceptance",
                ));
        }
        l.load().await
    }

    pub async fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let c = self.conf(region).await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&c)
                .force_path_style(self.endpoint.is_some())
                .build(),
        )
    }

    pub async fn rds(&self, region: &str) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.conf(region).await)
    }

    pub async fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.conf("us-east-1").await)
    }

    pub async fn sfn(&self, region: &str) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.conf(region).await)
    }

    pub async fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.conf(region).await)
    }

    pub async fn sqs(&self, region: &str) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.conf(region).await)
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.conf("us-east-1").await)
    }

    pub async fn secrets(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.conf(region).await)
    }

    /// A role Step Functions and EventBridge Scheduler may assume (the runbooks run as it, the
    /// watchers' schedules start them as it); returns its ARN.
    /// On the realistic sandbox, as on AWS, a new role is not assumable for a few seconds.
    pub async fn step_functions_role(&self, name: &str) -> String {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["states.amazonaws.com","scheduler.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
        let iam = self.iam().await;
        match iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await
        {
            Ok(out) => out.role().map(|r| r.arn().to_string()).unwrap(),
            Err(_) => iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .unwrap()
                .role()
                .unwrap()
                .arn()
                .to_string(),
        }
    }

    pub async fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.conf(region).await)
    }

    pub async fn dynamodb(&self, region: &str) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.conf(region).await)
    }

    /// Buckets whose name contains `suffix`.
    pub async fn buckets_with(&self, suffix: &str) -> Vec<String> {
        let out = self
            .s3("us-east-1")
            .await
            .list_buckets()
            .send()
            .await
            .unwrap();
        out.buckets()
            .iter()
            .filter_map(|b| b.name())
            .filter(|n| n.contains(suffix))
            .map(str::to_string)
            .collect()
    }

    /// Route 53 health checks whose caller reference contains `suffix` (trdr's start
    /// `trdr:NAME:SUFFIX:REGION:`).
    pub async fn health_checks_with(
        &self,
        suffix: &str,
    ) -> Vec<aws_sdk_route53::types::HealthCheck> {
        // Every page: the sandbox pages as AWS does, and other tests' checks share it.
        let pages: Vec<_> = self
            .route53()
            .await
            .list_health_checks()
            .max_items(1000)
            .into_paginator()
            .send()
            .collect()
            .await;
        pages
            .into_iter()
            .flat_map(|p| p.unwrap().health_checks)
            .filter(|h| h.caller_reference().contains(suffix))
            .collect()
    }

    /// Tables whose name contains `suffix`, as `region/name`.
    pub async fn tables_with(&self, suffix: &str) -> Vec<String> {
        let mut found = Vec::new();
        for region in ["us-east-1", "us-east-2"] {
            let out = self
                .dynamodb(region)
                .await
                .list_tables()
                .send()
                .await
                .unwrap();
            found.extend(
                out.table_names()
                    .iter()
                    .filter(|n| n.contains(suffix))
                    .map(|n| format!("{region}/{n}")),
            );
        }
        found
    }

    /// DB instances whose identifier carries `suffix`, in `region`.
    pub async fn instances_with(&self, suffix: &str, region: &str) -> Vec<String> {
        self.rds(region)
            .await
            .describe_db_instances()
            .send()
            .await
            .unwrap()
            .db_instances()
            .iter()
            .filter_map(|i| i.db_instance_identifier())
            .filter(|i| i.contains(suffix))
            .map(str::to_string)
            .collect()
    }

    /// DB clusters whose identifier carries `suffix`, in `region`.
    pub async fn clusters_with(&self, suffix: &str, region: &str) -> Vec<String> {
        self.rds(region)
            .await
            .describe_db_clusters()
            .send()
            .await
            .unwrap()
            .db_clusters()
            .iter()
            .filter_map(|c| c.db_cluster_identifier())
            .filter(|i| i.contains(suffix))
            .map(str::to_string)
            .collect()
    }

    /// Every state machine of `region`, from every page: the shared sandbox (the account) may
    /// hold thousands that are not a test's.
    pub async fn state_machines(
        &self,
        region: &str,
    ) -> Vec<aws_sdk_sfn::types::StateMachineListItem> {
        let pages: Vec<_> = self
            .sfn(region)
            .await
            .list_state_machines()
            .max_results(1000)
            .into_paginator()
            .send()
            .collect()
            .await;
        pages
            .into_iter()
            .flat_map(|p| p.unwrap().state_machines)
            .collect()
    }

    /// State machines (runbooks, watchers) whose name carries `suffix`, in `region`.
    pub async fn runbooks_with(&self, suffix: &str, region: &str) -> Vec<String> {
        self.state_machines(region)
            .await
            .into_iter()
            .map(|m| m.name)
            .filter(|n| n.contains(suffix))
            .collect()
    }

    /// Watcher schedules and probe connections whose name carries `suffix`, in `region`.
    pub async fn watch_objects_with(&self, suffix: &str, region: &str) -> Vec<String> {
        let conf = self.conf(region).await;
        let schedules = aws_sdk_scheduler::Client::new(&conf)
            .list_schedules()
            .send()
            .await
            .unwrap();
        let connections = aws_sdk_eventbridge::Client::new(&conf)
            .list_connections()
            .send()
            .await
            .unwrap();
        schedules
            .schedules()
            .iter()
            .filter_map(|s| s.name())
            .chain(connections.connections().iter().filter_map(|c| c.name()))
            .filter(|n| n.contains(suffix))
            .map(str::to_string)
            .collect()
    }

    /// Asserts the sandbox holds nothing of this test any more: buckets, tables, and in both
    /// regions state machines, watcher schedules and probe connections.
    pub async fn assert_nothing_left(&self, suffix: &str) {
        let buckets = self.buckets_with(suffix).await;
        let tables = self.tables_with(suffix).await;
        let mut regional = Vec::new();
        for region in ["us-east-1", "us-east-2"] {
            regional.extend(self.runbooks_with(suffix, region).await);
            regional.extend(self.watch_objects_with(suffix, region).await);
        }
        assert!(
            buckets.is_empty() && tables.is_empty() && regional.is_empty(),
            "left behind: {buckets:?} {tables:?} {regional:?}"
        );
    }

    pub async fn object_body(&self, region: &str, bucket: &str, key: &str) -> Option<String> {
        let out = self
            .s3(region)
            .await
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        let bytes = out.body.collect().await.ok()?.into_bytes();
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn put_object(&self, region: &str, bucket: &str, key: &str, body: &str) {
        self.s3(region)
            .await
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }

    pub async fn pitr_enabled(&self, region: &str, table: &str) -> bool {
        let out = self
            .dynamodb(region)
            .await
            .describe_continuous_backups()
            .table_name(table)
            .send()
            .await
            .unwrap();
        out.continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status())
            .is_some_and(|s| s.as_str() == "ENABLED")
    }

    pub async fn replication_rule_ids(&self, region: &str, bucket: &str) -> Vec<String> {
        match self
            .s3(region)
            .await
            .get_bucket_replication()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => out
                .replication_configuration()
                .map(|c| {
                    c.rules()
                        .iter()
                        .filter_map(|r| r.id().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}
