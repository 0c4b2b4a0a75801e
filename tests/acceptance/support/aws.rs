//! SDK clients the tests use to look at AWS itself.

use trdr_testing::leftovers::{self, Leftover};

pub struct Aws {
    endpoint: Option<String>,
}

impl Aws {
    pub fn new(endpoint: Option<String>) -> Self {
        Aws { endpoint }
    }

    /// The same configuration the leftovers check uses. The app id marks these calls in the
    /// sandbox's call log (tests/sandbox/calllog.py) as the tests' own, not the provider's:
    /// tests/permissions.rs checks only the provider's.
    async fn conf(&self, region: &str) -> aws_config::SdkConfig {
        leftovers::Account::new(self.endpoint.clone(), Self::app())
            .config(region)
            .await
    }

    /// The configuration of any other client a test needs (Scheduler, EventBridge).
    pub async fn config(&self, region: &str) -> aws_config::SdkConfig {
        self.conf(region).await
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

    /// Every object of every kind trdr creates whose name carries `suffix`, in `regions`, the two
    /// regions every test's fixtures and topology use, and the global services; sorted. A listing
    /// that fails fails the test (an answer that could not be read is never "nothing left").
    pub async fn leftovers(&self, suffix: &str, regions: &[&str]) -> Vec<Leftover> {
        let regions = Self::looked_in(regions);
        let account = leftovers::Account::new(self.endpoint.clone(), Self::app());
        leftovers::find(&account, suffix, &regions, &[])
            .await
            .unwrap_or_else(|e| panic!("cannot tell what is left of {suffix}: {e}"))
    }

    /// What [`Aws::leftovers`] found, as a message naming each (kind, id, region); `None` when
    /// nothing is left.
    pub async fn what_is_left(&self, suffix: &str, regions: &[&str]) -> Option<String> {
        let left = self.leftovers(suffix, regions).await;
        leftovers::report(suffix, &Self::looked_in(regions), &left)
    }

    /// Asserts a destroy left nothing of this test behind: no object of any kind trdr creates
    /// (trdr_testing::leftovers lists them) carries its suffix in the workspace's `regions`,
    /// us-east-1 and us-east-2, or the global services.
    pub async fn assert_nothing_left(&self, suffix: &str, regions: (&str, &str)) {
        self.assert_nothing_left_in(suffix, &[regions.0, regions.1])
            .await;
    }

    /// [`Aws::assert_nothing_left`] for a test whose objects reach further than its workspace's
    /// two regions (a resource in a region of its own, a witness).
    pub async fn assert_nothing_left_in(&self, suffix: &str, regions: &[&str]) {
        if let Some(left) = self.what_is_left(suffix, regions).await {
            panic!("{left}");
        }
    }

    fn looked_in<'a>(regions: &[&'a str]) -> Vec<&'a str> {
        let mut all: Vec<&str> = ["us-east-1", "us-east-2"]
            .into_iter()
            .chain(regions.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    fn app() -> aws_config::AppName {
        aws_config::AppName::new("trdr-acceptance").expect("a valid app id")
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
