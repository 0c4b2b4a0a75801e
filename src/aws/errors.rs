//! AWS errors, classified by the service's error code (never by message text), and turned into
//! diagnostics that say what failed, why, and what to do.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::error::operation::BuildError;

use crate::framework::{Diagnostics, Path};

/// What callers branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    /// Still throttled after every retry.
    Throttled,
    AccessDenied,
    InvalidInput,
    /// The object is busy or in a state that forbids the call; usually resolves by waiting.
    Conflict,
    /// No answer from the endpoint (connection refused, timeout).
    Transport,
    /// The service failed on its side (HTTP 5xx: `InternalFailure`, `ServiceUnavailable`, …)
    /// after every retry: what a region's outage looks like from outside.
    Unavailable,
    /// Not made: Terraform asked the provider to stop ([`crate::stop`]).
    Stopped,
    Other,
}

#[derive(Clone, Debug, thiserror::Error)]
#[error("{operation}{}: {code}: {message}{}", .region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default(), .request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
pub struct AwsError {
    pub operation: &'static str,
    /// The region the call went to (Route 53 is global: its calls say so).
    pub region: Option<String>,
    pub code: String,
    /// AWS's message, or a one-line account of a failure without one; never the raw response
    /// (that goes to the log at debug level).
    pub message: String,
    pub kind: ErrorKind,
    /// AWS's request id, when the response carried one.
    pub request_id: Option<String>,
}

/// An optional value AWS reported, for a message: the value itself, or `none reported`.
pub fn shown<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "none reported".to_string(), |v| v.to_string())
}

/// The `T` that `err` is, or that one of its causes is: how an SDK error says a call was refused
/// by one of our interceptors ([`crate::stop::Refused`], [`super::outage::Unanswered`]).
pub fn cause<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        next = e.source();
    }
    None
}

/// An error's chain of causes in one line ("dispatch failure: io error: … Connection refused"),
/// each level's own message once, without the `Debug` dump of the raw response.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Codes that say the credentials themselves were refused, not a missing permission.
const CREDENTIALS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
];

/// Codes of a call throttled after every retry.
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "SlowDown",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "PriorRequestNotComplete",
];

/// Codes of a missing permission.
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
];

/// Codes of a create whose object is there already.
const EXISTS: &[&str] = &[
    "BucketAlreadyOwnedByYou",
    "TableAlreadyExistsException",
    "StateMachineAlreadyExists",
    "HealthCheckAlreadyExists",
    "DBClusterAlreadyExistsFault",
    "DBInstanceAlreadyExists",
    "GlobalClusterAlreadyExistsFault",
    "DBParameterGroupAlreadyExists",
];

/// Codes of a request the service refuses as malformed or out of range.
const INVALID: &[&str] = &[
    "ValidationException",
    "ValidationError",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "InvalidParameterValueException",
    "InvalidArgument",
    "InvalidRequest",
    "MalformedXML",
    "InvalidInput",
    "InvalidDefinition",
    "InvalidArn",
    "InvalidBucketName",
    "BucketAlreadyExists",
];

/// Codes of an object busy or in a state that forbids the call.
const CONFLICT: &[&str] = &[
    "ResourceInUseException",
    "OperationAborted",
    "BucketNotEmpty",
    "InvalidDBClusterStateFault",
    "InvalidDBInstanceState",
    "InvalidGlobalClusterStateFault",
    // A cluster parameter group still in use by a cluster cannot be deleted.
    "InvalidDBParameterGroupState",
    "ConcurrentModification",
    "ConflictException",
    "LimitExceededException",
    // DynamoDB: "Backups are being enabled for the table" right after it became ACTIVE.
    "ContinuousBackupsUnavailableException",
];

/// Codes of a failure on the service's side, by the common errors' names (InternalFailure,
/// ServiceUnavailable), S3's, and the fault shapes of the botocore models of the services we
/// call (DynamoDB, Scheduler, EventBridge, CloudWatch, Secrets Manager, SNS). Each is answered
/// with HTTP 500 or 503, which classifies it too.
const UNAVAILABLE: &[&str] = &[
    "InternalFailure",
    "ServiceUnavailable",
    "InternalError",
    "InternalServerError",
    "InternalServerException",
    "InternalException",
    "InternalServiceError",
    "InternalServiceFault",
    "InternalErrorException",
];

/// The kind of an AWS error, from its code and, for errors without a known code, its HTTP status.
pub fn classify(code: &str, http_status: Option<u16>) -> ErrorKind {
    if THROTTLED.contains(&code) || http_status == Some(429) {
        ErrorKind::Throttled
    } else if DENIED.contains(&code) || CREDENTIALS.contains(&code) {
        ErrorKind::AccessDenied
    } else if EXISTS.contains(&code) {
        ErrorKind::AlreadyExists
    } else if code.starts_with("NoSuch")
        || code.contains("NotFound")
        || code == "StateMachineDoesNotExist"
        || code == "ExecutionDoesNotExist"
        || (code.is_empty() && http_status == Some(404))
    {
        ErrorKind::NotFound
    } else if INVALID.contains(&code) {
        ErrorKind::InvalidInput
    } else if CONFLICT.contains(&code) {
        ErrorKind::Conflict
    } else if UNAVAILABLE.contains(&code) || http_status.is_some_and(|s| s >= 500) {
        ErrorKind::Unavailable
    } else {
        ErrorKind::Other
    }
}

impl AwsError {
    pub fn from_sdk<E>(
        operation: &'static str,
        region: Option<String>,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        if crate::stop::refused(&err) {
            return AwsError {
                operation,
                region,
                code: "Stopped".into(),
                message: crate::stop::Refused.to_string(),
                kind: ErrorKind::Stopped,
                request_id: None,
            };
        }
        if let Some(u) = cause::<super::outage::Unanswered>(&err) {
            return AwsError {
                operation,
                region,
                code: "NotSent".into(),
                message: u.to_string(),
                kind: match u.failure {
                    super::outage::Failure::NoAnswer => ErrorKind::Transport,
                    super::outage::Failure::ServerError => ErrorKind::Unavailable,
                },
                request_id: None,
            };
        }
        let status = err.raw_response().map(|r| r.status().as_u16());
        let request_id = err.raw_response().and_then(|r| {
            ["x-amzn-requestid", "x-amz-request-id"]
                .iter()
                .find_map(|h| r.headers().get(*h))
                .map(str::to_string)
        });
        match err.code() {
            Some(code) => AwsError {
                operation,
                region,
                code: code.to_string(),
                message: err.message().unwrap_or_default().to_string(),
                kind: classify(code, status),
                request_id,
            },
            None => {
                let kind = match &err {
                    SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                        ErrorKind::Transport
                    }
                    _ => classify("", status),
                };
                // The full context (raw response, SDK internals) is for debugging, not for a
                // diagnostic: it goes to the log, and the diagnostic gets one readable line.
                tracing::debug!(operation, region = region.as_deref().unwrap_or("-"), error = %DisplayErrorContext(&err), "AWS call failed");
                let message = match &err {
                    SdkError::ServiceError(_) => format!(
                        "AWS answered HTTP {} with an error the SDK could not read",
                        status.unwrap_or_default()
                    ),
                    _ => causes(&err),
                };
                AwsError {
                    operation,
                    region,
                    code: status
                        .map(|s| format!("HTTP {s}"))
                        .unwrap_or_else(|| "no response".into()),
                    message,
                    kind,
                    request_id,
                }
            }
        }
    }

    /// For tests and for conditions we detect ourselves.
    pub fn synthetic(operation: &'static str, code: &str) -> Self {
        AwsError {
            operation,
            region: None,
            code: code.to_string(),
            message: String::new(),
            kind: classify(code, None),
            request_id: None,
        }
    }

    /// For `.map_err`: a request the SDK could not build (a provider bug or an impossible input),
    /// as an error of `operation`.
    pub fn building(operation: &'static str) -> impl Fn(BuildError) -> AwsError {
        move |e| AwsError {
            operation,
            region: None,
            code: "InvalidRequest".into(),
            message: e.to_string(),
            kind: ErrorKind::InvalidInput,
            request_id: None,
        }
    }

    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }

    /// The region (or the endpoint) did not answer, or failed on its side, after every retry:
    /// an outage, as far as a caller can tell. Never a refusal of the call itself.
    pub fn is_outage(&self) -> bool {
        matches!(self.kind, ErrorKind::Transport | ErrorKind::Unavailable)
    }

    /// What the user can do about an error of this kind, if there is something to say.
    pub fn hint(&self) -> Option<String> {
        let code = self.code.as_str();
        if CREDENTIALS.contains(&code) {
            return Some(format!(
                "AWS did not accept the credentials ({code}): they are invalid or expired. Renew them (e.g. `aws sso login`, a new session token) or check the provider's profile / assume_role."
            ));
        }
        if code == "LimitExceededException" {
            return Some("AWS refused the call as over a limit: too many operations under way at once (running the same command again continues once they end), or an account quota (raise it in Service Quotas).".to_string());
        }
        if code == "BucketAlreadyExists" {
            return Some("S3 bucket names are shared by every AWS account and another account owns this one; choose another name or environment_suffix.".to_string());
        }
        Some(match self.kind {
            ErrorKind::AccessDenied => format!(
                "The credentials in use may not call {}{}. Check the provider's profile / assume_role and the role's policy.",
                self.operation,
                self.region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default()
            ),
            ErrorKind::Throttled => "AWS kept throttling after every retry; raise the provider's max_attempts or run with less parallelism (-parallelism).".to_string(),
            ErrorKind::Transport => "No answer from the AWS endpoint. Check endpoint_url / TRDR_ENDPOINT_URL and the network.".to_string(),
            ErrorKind::Conflict => "The object is busy; running the same command again continues once it settles.".to_string(),
            ErrorKind::Unavailable => format!(
                "AWS failed on its side after every retry: the service{} is unavailable (the AWS Health Dashboard says whether it is an outage). Running the same command again continues once it answers.",
                self.region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default()
            ),
            _ => return None,
        })
    }

    /// Appends this error as a diagnostic, about `path` when an attribute is at fault.
    pub fn report(&self, diags: &mut Diagnostics, path: Option<Path>, doing: &str) {
        diags.error(path, format!("Failed to {doing}"), self.detail());
    }

    /// Appends this error as a warning: for a read whose failure leaves the rest of the answer
    /// useful (a list that could not see one region).
    pub fn warn(&self, diags: &mut Diagnostics, doing: &str) {
        diags.warning(None, format!("Could not {doing}"), self.detail());
    }

    /// Appends this error as the warning of a refresh that kept the last known state of `what`
    /// because its region did not answer ([`AwsError::is_outage`]).
    pub fn kept(&self, diags: &mut Diagnostics, what: &str) {
        diags.warning(
            None,
            format!("Kept the last known state of {what}"),
            format!(
                "{}\n\nIt could not be read, as in an outage of {}, so this plan compares the configuration with the state the last apply or refresh recorded, and what happened there since is not in it. An apply that has to change something there fails until it answers; the next refresh reads it again.",
                self.detail(),
                self.region.as_deref().unwrap_or("its region")
            ),
        );
    }

    fn detail(&self) -> String {
        match self.hint() {
            Some(hint) => format!("{self}\n\n{hint}"),
            None => self.to_string(),
        }
    }
}

/// A client that knows the region its calls go to.
pub trait Regional {
    fn region_name(&self) -> Option<String>;
}

macro_rules! regional {
    ($($sdk:ident),*) => {$(
        impl Regional for $sdk::Client {
            fn region_name(&self) -> Option<String> {
                self.config().region().map(|r| r.to_string())
            }
        }
    )*};
}
regional!(
    aws_sdk_rds,
    aws_sdk_dynamodb,
    aws_sdk_s3,
    aws_sdk_sfn,
    aws_sdk_secretsmanager,
    aws_sdk_cloudwatch,
    aws_sdk_scheduler,
    aws_sdk_eventbridge
);

impl Regional for aws_sdk_route53::Client {
    /// Route 53's API is global (signed for us-east-1); a diagnostic says so instead of naming a
    /// region the user did not pick.
    fn region_name(&self) -> Option<String> {
        Some("us-east-1 (Route 53 is global)".to_string())
    }
}

/// `.aws("Operation", client)?` on an SDK call's result: the error names the operation and the
/// client's region.
pub trait AwsResultExt<T> {
    fn aws(self, operation: &'static str, client: &impl Regional) -> Result<T, AwsError>;
}

impl<T, E> AwsResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn aws(self, operation: &'static str, client: &impl Regional) -> Result<T, AwsError> {
        self.map_err(|e| AwsError::from_sdk(operation, client.region_name(), e))
    }
}

/// Treats "not found" as absence.
pub trait OptionalExt<T> {
    fn found(self) -> Result<Option<T>, AwsError>;
}

impl<T> OptionalExt<T> for Result<T, AwsError> {
    fn found(self) -> Result<Option<T>, AwsError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is(ErrorKind::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str, status: u16) -> AwsError {
        AwsError {
            operation: "CreateBucket",
            region: Some("us-east-1".into()),
            code: code.into(),
            message: "m".into(),
            kind: classify(code, Some(status)),
            request_id: None,
        }
    }

    #[test]
    fn hints_say_what_the_code_means() {
        let expired = error("ExpiredToken", 400).hint().unwrap();
        assert!(
            expired.contains("invalid or expired") && !expired.contains("policy"),
            "{expired}"
        );
        assert_eq!(error("ExpiredToken", 400).kind, ErrorKind::AccessDenied);
        let denied = error("AccessDenied", 403).hint().unwrap();
        assert!(
            denied.contains("may not call CreateBucket in us-east-1"),
            "{denied}"
        );
        let limit = error("LimitExceededException", 400).hint().unwrap();
        assert!(limit.contains("Service Quotas"), "{limit}");
        let taken = error("BucketAlreadyExists", 409).hint().unwrap();
        assert!(taken.contains("another account owns"), "{taken}");
    }

    #[test]
    fn classification_is_by_code() {
        assert_eq!(classify("NoSuchBucket", Some(404)), ErrorKind::NotFound);
        assert_eq!(
            classify("ResourceNotFoundException", None),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("DBClusterNotFoundFault", None),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("ReplicationConfigurationNotFoundError", None),
            ErrorKind::NotFound
        );
        assert_eq!(classify("", Some(404)), ErrorKind::NotFound);
        assert_eq!(classify("SlowDown", Some(503)), ErrorKind::Throttled);
        assert_eq!(classify("", Some(429)), ErrorKind::Throttled);
        assert_eq!(
            classify("BucketAlreadyOwnedByYou", None),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            classify("InvalidDBClusterStateFault", None),
            ErrorKind::Conflict
        );
        assert_eq!(classify("AccessDenied", Some(403)), ErrorKind::AccessDenied);
        assert_eq!(classify("Whatever", Some(500)), ErrorKind::Unavailable);
        assert_eq!(
            classify("ServiceUnavailable", Some(503)),
            ErrorKind::Unavailable
        );
        assert_eq!(classify("InternalFailure", None), ErrorKind::Unavailable);
        assert_eq!(classify("", Some(502)), ErrorKind::Unavailable);
        assert_eq!(classify("Whatever", Some(400)), ErrorKind::Other);
    }

    #[test]
    fn report_names_the_attribute() {
        let mut d = Diagnostics::default();
        AwsError::synthetic("PutBucketReplication", "AccessDenied").report(
            &mut d,
            Some(Path::attr("replication_role_arn")),
            "configure replication",
        );
        let diag = &d.0[0];
        assert_eq!(
            diag.path.as_ref().unwrap().to_string(),
            "replication_role_arn"
        );
        assert!(diag.detail.contains("PutBucketReplication"));
    }
}
