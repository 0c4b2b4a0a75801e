//! Thin EventBridge operations: the connection a watcher's HTTP Tasks probe through.
//!
//! Step Functions' HTTP Task requires an EventBridge connection for every call. Health paths are
//! public, so trdr's connection uses API-key authorization with a fixed, non-secret header
//! (`x-trdr-probe`); EventBridge keeps it in a secret of its own, which goes with the connection.

use aws_sdk_eventbridge::types::{
    ConnectionApiKeyAuthResponseParameters, ConnectionAuthorizationType, ConnectionState,
    CreateConnectionApiKeyAuthRequestParameters, CreateConnectionAuthRequestParameters,
};
use aws_sdk_eventbridge::Client;

use super::errors::{AwsError, AwsResultExt, OptionalExt};

pub const PROBE_HEADER: &str = "x-trdr-probe";

/// A connection's ARN and state (`ConnectionState` is optional in the API model: absent reads as
/// not yet authorized).
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub arn: String,
    pub state: Option<String>,
    pub api_key_name: Option<String>,
}

impl Connection {
    pub fn authorized(&self) -> bool {
        self.state.as_deref() == Some(ConnectionState::Authorized.as_str())
    }

    /// A state from which it never becomes authorized by itself.
    pub fn failed(&self) -> bool {
        matches!(
            self.state.as_deref(),
            Some("DEAUTHORIZED") | Some("FAILED_CONNECTIVITY")
        )
    }
}

pub async fn describe(c: &Client, name: &str) -> Result<Option<Connection>, AwsError> {
    let Some(out) = c
        .describe_connection()
        .name(name)
        .send()
        .await
        .aws("DescribeConnection", c)
        .found()?
    else {
        return Ok(None);
    };
    let key = out
        .auth_parameters()
        .and_then(|a| a.api_key_auth_parameters())
        .and_then(ConnectionApiKeyAuthResponseParameters::api_key_name)
        .map(str::to_string);
    Ok(Some(Connection {
        arn: out.connection_arn().unwrap_or_default().to_string(),
        state: out.connection_state().map(|s| s.as_str().to_string()),
        api_key_name: key,
    }))
}

pub async fn create(c: &Client, name: &str, description: &str) -> Result<String, AwsError> {
    let key = CreateConnectionApiKeyAuthRequestParameters::builder()
        .api_key_name(PROBE_HEADER)
        .api_key_value("trdr-watcher")
        .build()
        .map_err(AwsError::building("CreateConnection"))?;
    let out = c
        .create_connection()
        .name(name)
        .description(description)
        .authorization_type(ConnectionAuthorizationType::ApiKey)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .api_key_auth_parameters(key)
                .build(),
        )
        .send()
        .await
        .aws("CreateConnection", c)?;
    Ok(out.connection_arn().unwrap_or_default().to_string())
}

pub async fn delete(c: &Client, name: &str) -> Result<(), AwsError> {
    c.delete_connection()
        .name(name)
        .send()
        .await
        .aws("DeleteConnection", c)
        .found()?;
    Ok(())
}
