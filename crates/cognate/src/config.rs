//! Every setting of cognate, in one place: each is a command-line flag and a `COGNATE_*`
//! environment variable, with its default.

use clap::{Args, Parser, Subcommand};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "cognate",
    version,
    about = "An Amazon Cognito user pools (cognito-idp) compatible identity provider.",
    long_about = "An Amazon Cognito user pools (cognito-idp) compatible identity provider.\n\nPoint any AWS SDK or the AWS CLI at it with an endpoint URL, e.g.\n  aws cognito-idp list-user-pools --max-results 10 --endpoint-url http://127.0.0.1:9229"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeConfig>),
    /// Print the table of the API's operations and whether cognate implements each (Markdown).
    Operations,
}

#[derive(Args, Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on. Port 0 picks a free port; the address taken is printed on
    /// standard output as `listening on <address>`.
    #[arg(long, env = "COGNATE_LISTEN", default_value = "127.0.0.1:9229")]
    pub listen: SocketAddr,

    /// Directory of the embedded SQLite database (created if missing). Ignored when
    /// --database-url is given.
    #[arg(long, env = "COGNATE_DATA", default_value = "./.cognate")]
    pub data: PathBuf,

    /// PostgreSQL URL (postgres://user@host:port/db). Several cognate processes on one
    /// database form one service: all state, signing keys included, lives there.
    #[arg(long, env = "COGNATE_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Region of requests that name none (unsigned requests); a SigV4 signature's
    /// credential scope names the region of a signed request and wins.
    #[arg(long, env = "COGNATE_REGION", default_value = "us-east-1")]
    pub region: String,

    /// Account id used in ARNs.
    #[arg(long, env = "COGNATE_ACCOUNT_ID", default_value = "000000000000")]
    pub account_id: String,

    /// The address clients use to reach this server (behind a proxy, its public
    /// address); discovery documents and OAuth endpoints are built on it.
    /// Default: http://<listen address>.
    #[arg(long, env = "COGNATE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Base of token issuers: a pool's issuer is <issuer-base>/<UserPoolId>. `{region}`
    /// is replaced by the pool's region, so https://cognito-idp.{region}.amazonaws.com
    /// gives AWS's issuers. Default: the public URL.
    #[arg(long, env = "COGNATE_ISSUER_BASE")]
    pub issuer_base: Option<String>,

    /// A YAML file declaring pools, clients, groups and users to create at start where
    /// missing (fixed ids allowed); see README.md. An invalid file stops the server.
    #[arg(long, env = "COGNATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Turn off the control API (/_cognate/health, /_cognate/messages, /_cognate/reset,
    /// /moto-api/reset).
    #[arg(long, env = "COGNATE_DISABLE_CONTROL_API")]
    pub disable_control_api: bool,

    /// A file holding the master key (32 bytes, base64) that seals secrets at rest
    /// (client secrets, signing keys, codes' hashes). The key itself may instead be given
    /// in the environment as COGNATE_MASTER_KEY (never on the command line, which shows
    /// in the process list). Required on PostgreSQL; on SQLite, without either, a key is
    /// generated at first start into <data>/master.key.
    #[arg(long, env = "COGNATE_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,

    /// Access keys (KEY_ID:SECRET, comma-separated) that requests must be signed with
    /// (SigV4): every operation AWS authorizes with IAM then needs a valid signature by
    /// one of them. The operations users call with tokens or nothing (SignUp,
    /// InitiateAuth, GetUser, ...) stay open. Default: any signature or none is accepted.
    #[arg(
        long,
        env = "COGNATE_IAM_CREDENTIALS",
        hide_env_values = true,
        value_name = "KEY_ID:SECRET[,...]"
    )]
    pub iam_credentials: Option<Secret>,

    /// Also send emails for real over SMTP: smtp://[user:pass@]host[:port] (plain),
    /// smtps:// (implicit TLS), ?starttls=required (or opportunistic) to upgrade. From
    /// and Reply-To as the pool's EmailConfiguration says. Sends happen after the write
    /// commits, in the background, retried for about 13 minutes; failures are logged
    /// with the message's id.
    #[arg(
        long,
        env = "COGNATE_SMTP_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub smtp_url: Option<Secret>,

    /// Also POST each SMS to this URL as JSON
    /// {"userPoolId","username","destination","kind","message"}, retried like email.
    #[arg(long, env = "COGNATE_SMS_WEBHOOK", value_name = "URL")]
    pub sms_webhook: Option<String>,

    /// Call the pools' Lambda triggers through the Lambda Invoke API at this URL
    /// (`POST <URL>/2015-03-31/functions/<ARN>/invocations`, RequestResponse): SAM local,
    /// LocalStack or AWS. Without it, a pool with a trigger fails the flow with
    /// UnexpectedLambdaException, as AWS does when it cannot call the function.
    #[arg(long, env = "COGNATE_LAMBDA_ENDPOINT", value_name = "URL")]
    pub lambda_endpoint: Option<String>,

    /// A directory where log delivery (SetLogDeliveryConfiguration) writes its records:
    /// JSON lines, one file per destination ARN. Without it, the configurations are kept
    /// and answered, and nothing is written.
    #[arg(long, env = "COGNATE_LOG_DELIVERY_DIR", value_name = "DIR")]
    pub log_delivery_dir: Option<String>,

    /// Hold API requests to AWS's request-rate quotas: each category (UserAuthentication
    /// 120/s, UserCreation 50/s, ...; raised with UpdateProvisionedLimit) per user pool,
    /// past it TooManyRequestsException. Nodes on one PostgreSQL database share the rate.
    /// Off by default, so that test suites are never throttled.
    #[arg(long, env = "COGNATE_ENFORCE_QUOTAS")]
    pub enforce_quotas: bool,
    /// How many seconds in the past a point-in-time recovery's RestoreTimestamp must be
    /// at least. AWS's 15 minutes by default; tests of recovery lower it.
    #[arg(
        long,
        env = "COGNATE_RECOVERY_MIN_AGE",
        value_name = "SECONDS",
        default_value_t = 900
    )]
    pub recovery_min_age: u64,

    /// The access key (KEY_ID:SECRET) the Invoke API calls are signed with (SigV4,
    /// service `lambda`). Default: a test key that SAM local and LocalStack accept.
    #[arg(
        long,
        env = "COGNATE_LAMBDA_CREDENTIALS",
        hide_env_values = true,
        value_name = "KEY_ID:SECRET"
    )]
    pub lambda_credentials: Option<Secret>,

    /// KMS's JSON API, for the data keys of CustomEmailSender and CustomSMSSender codes
    /// (`POST <URL>/`, `TrentService.GenerateDataKey` under the pool's KMSKeyID):
    /// LocalStack, moto or AWS. Without it, such a trigger's code cannot be encrypted.
    #[arg(long, env = "COGNATE_KMS_ENDPOINT", value_name = "URL")]
    pub kms_endpoint: Option<String>,

    /// A PEM file of CA certificates that outbound HTTPS trusts beside the system's roots
    /// (identity providers, client ID metadata documents): an internal CA.
    #[arg(long, env = "COGNATE_OUTBOUND_CA_FILE", value_name = "FILE")]
    pub outbound_ca_file: Option<String>,

    /// The access key (KEY_ID:SECRET) the KMS calls are signed with (SigV4, service
    /// `kms`). Default: a test key that LocalStack and moto accept.
    #[arg(
        long,
        env = "COGNATE_KMS_CREDENTIALS",
        hide_env_values = true,
        value_name = "KEY_ID:SECRET"
    )]
    pub kms_credentials: Option<Secret>,

    /// Milliseconds a client has to send a request's headers (also how long a kept-alive
    /// connection may stay idle); the connection is closed after it.
    #[arg(long, env = "COGNATE_HEADER_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_read_timeout_ms: u64,

    /// Milliseconds a client has to send a request's body; answered 408 and closed after.
    #[arg(long, env = "COGNATE_BODY_READ_TIMEOUT_MS", default_value_t = 10_000)]
    pub body_read_timeout_ms: u64,

    /// Open connections at most; more are answered 503 and closed.
    #[arg(long, env = "COGNATE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Requests handled at once at most; more are answered 503 TooManyRequestsException
    /// (the SDKs retry it).
    #[arg(long, env = "COGNATE_MAX_REQUESTS_IN_FLIGHT", default_value_t = 256)]
    pub max_requests_in_flight: usize,

    /// Log filter (error, warn, info, debug, or a tracing filter such as
    /// `cognate=debug`). Each request is logged at info.
    #[arg(long, env = "COGNATE_LOG", default_value = "info")]
    pub log: String,
}

/// A setting that holds secrets: never printed (`Debug` shows `<redacted>`).
#[derive(Clone)]
pub struct Secret(pub String);

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

// The master key given in the environment. It has no flag: a flag's value shows in the
// process list.

/// The environment variable holding the master key itself (base64).
pub const MASTER_KEY_ENV: &str = "COGNATE_MASTER_KEY";

impl ServeConfig {
    /// The master key given in `COGNATE_MASTER_KEY`, if set and not empty.
    pub fn master_key_from_env(&self) -> Option<String> {
        std::env::var(MASTER_KEY_ENV)
            .ok()
            .filter(|k| !k.trim().is_empty())
    }
}
