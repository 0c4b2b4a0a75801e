//! AWS clients, built once per region from the provider configuration and shared by every
//! resource. One credentials provider (and its cache) serves all regions.

use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_types::sdk_config::SharedCredentialsProvider;

use aws_smithy_runtime_api::client::http::SharedHttpClient;

use super::budget::Budget;
use super::outage;
use crate::provider::config::ProviderConfig;
use crate::stop;

/// The clients of one region.
#[derive(Clone, Debug)]
pub struct RegionClients {
    pub region: String,
    pub rds: aws_sdk_rds::Client,
    pub route53: aws_sdk_route53::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    pub events: aws_sdk_eventbridge::Client,
}

/// The SDK's default HTTPS client (hyper 1.x, rustls with aws-lc, proxy settings from the
/// environment), as `aws-smithy-runtime` builds it for the current behavior version.
fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

impl RegionClients {
    fn new(
        base: &SdkConfig,
        region: &str,
        path_style: bool,
        stop: &stop::Signal,
        budget: &Arc<Budget>,
        attempts_per_call: u32,
        http: &SharedHttpClient,
    ) -> Self {
        let conf = base
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        // Attempts are bounded per call by `max_attempts`. The SDK's default retry quota, shared by
        // every call of a client, drains during a long apply under sustained throttling (many
        // polls) and then stops retrying calls that would succeed; trdr does not use it.
        let partition = || {
            RetryPartition::custom(format!("trdr-{region}"))
                .token_bucket(TokenBucket::unlimited())
                .build()
        };
        let gate = |service| outage::Gate::new(service, region, attempts_per_call);
        macro_rules! client {
            ($sdk:ident, $service:literal) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&conf)
                        .retry_partition(partition())
                        .interceptor(stop::Gate(stop.clone()))
                        .interceptor(gate($service))
                        .http_client(budget.client(http.clone(), $service, region))
                        .build(),
                )
            };
        }
        let s3 = aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(path_style)
            .retry_partition(partition())
            .interceptor(stop::Gate(stop.clone()))
            .interceptor(gate("s3"))
            .http_client(budget.client(http.clone(), "s3", region))
            .build();
        RegionClients {
            region: region.to_string(),
            rds: client!(aws_sdk_rds, "rds"),
            route53: client!(aws_sdk_route53, "route53"),
            dynamodb: client!(aws_sdk_dynamodb, "dynamodb"),
            s3: aws_sdk_s3::Client::from_conf(s3),
            sfn: client!(aws_sdk_sfn, "sfn"),
            secrets: client!(aws_sdk_secretsmanager, "secretsmanager"),
            cloudwatch: client!(aws_sdk_cloudwatch, "cloudwatch"),
            scheduler: client!(aws_sdk_scheduler, "scheduler"),
            events: client!(aws_sdk_eventbridge, "events"),
        }
    }
}

/// Every region's clients; the two configured regions are built up front, others on first use.
pub struct Clients {
    base: SdkConfig,
    path_style: bool,
    /// Once Terraform asks the provider to stop, no client starts a call ([`stop::Gate`]).
    stop: stop::Signal,
    /// trdr's share of AWS's rate limits, shared by every client ([`Budget`]).
    budget: Arc<Budget>,
    /// Attempts per call (`max_attempts`): as many failed in a row stop a service in a region
    /// from being called for a while ([`outage::Gate`]).
    attempts_per_call: u32,
    http: SharedHttpClient,
    by_region: Mutex<HashMap<String, Arc<RegionClients>>>,
    /// The account the credentials belong to, asked once (`sts:GetCallerIdentity`); `None` when
    /// STS could not say, and then objects are found by listing instead of by their ARN.
    /// With it, the caller's ARN (who pauses a watcher, `trdr_pause`).
    account: tokio::sync::OnceCell<Option<(String, String)>>,
}

impl Clients {
    pub async fn new(config: &ProviderConfig, stop: stop::Signal) -> Self {
        crate::waiter::configure_time_scale(config.endpoint_url.as_deref());
        let retry = RetryConfig::standard()
            .with_max_attempts(config.max_attempts)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(10));
        // A hung answer ends after 60 s of waiting for it (the connector's read timeout). Not
        // an attempt timeout: that clock would also run while a call waits for its token in the
        // API budget (src/aws/budget.rs), and a long queue must not turn into retries.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(60))
            .build();
        // Request bodies are a few hundred bytes, sent at once; a call waiting for its token in the
        // API budget has not started sending, which the upload side of stalled-stream protection
        // would take for a stalled upload. Downloads stay protected.
        let stalled =
            aws_config::stalled_stream_protection::StalledStreamProtectionConfig::enabled()
                .upload_enabled(false)
                .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.primary_region.clone()))
            .retry_config(retry)
            .timeout_config(timeouts)
            .stalled_stream_protection(stalled);
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut base = loader.load().await;
        if let Some(role) = &config.assume_role {
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
                .session_name(role.session_name.clone());
            if let Some(id) = &role.external_id {
                builder = builder.external_id(id.clone());
            }
            let provider = builder.configure(&base).build().await;
            base = base
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }
        let clients = Clients {
            base,
            path_style: config.endpoint_url.is_some(),
            budget: Budget::new(config.api_budget_share, stop.clone()),
            attempts_per_call: config.max_attempts,
            stop,
            http: https_client(),
            by_region: Mutex::new(HashMap::new()),
            account: tokio::sync::OnceCell::new(),
        };
        clients.region(&config.primary_region);
        clients.region(&config.secondary_region);
        clients
    }

    /// The account id, from one `sts:GetCallerIdentity` per provider process. An ARN follows
    /// from a name, the region and this, so refreshes read objects by ARN instead of listing
    /// everything the account holds. `None` (STS denied or unreachable: logged) means "list".
    pub async fn account(&self) -> Option<String> {
        self.identity().await.map(|(account, _)| account)
    }

    /// The ARN of the identity the credentials belong to, from the same call as [`Self::account`].
    pub async fn caller_arn(&self) -> Option<String> {
        self.identity().await.map(|(_, arn)| arn)
    }

    async fn identity(&self) -> Option<(String, String)> {
        self.account
            .get_or_init(|| async {
                let region = self.base.region().map(|r| r.to_string()).unwrap_or_default();
                let sts = aws_sdk_sts::Client::from_conf(
                    aws_sdk_sts::config::Builder::from(&self.base)
                        .interceptor(stop::Gate(self.stop.clone()))
                        .http_client(self.budget.client(self.http.clone(), "sts", &region))
                        .build(),
                );
                match sts.get_caller_identity().send().await {
                    Ok(out) => out
                        .account()
                        .map(|a| (a.to_string(), out.arn().unwrap_or_default().to_string())),
                    Err(e) => {
                        let e = crate::aws::errors::AwsError::from_sdk(
                            "GetCallerIdentity",
                            self.base.region().map(|r| r.to_string()),
                            e,
                        );
                        tracing::warn!(error = %e, "the account id is unknown; objects are found by listing");
                        None
                    }
                }
            })
            .await
            .clone()
    }

    pub fn region(&self, region: &str) -> Arc<RegionClients> {
        let mut map = self.by_region.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(region.to_string())
            .or_insert_with(|| {
                Arc::new(RegionClients::new(
                    &self.base,
                    region,
                    self.path_style,
                    &self.stop,
                    &self.budget,
                    self.attempts_per_call,
                    &self.http,
                ))
            })
            .clone()
    }
}
