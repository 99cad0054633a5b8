//! Log delivery: SetLogDeliveryConfiguration and GetLogDeliveryConfiguration, with AWS's
//! rules (`userNotification` logs at ERROR to a CloudWatch Logs group; `userAuthEvents`
//! logs at INFO to a log group, a Firehose stream or an S3 bucket, in a pool with the
//! Plus plan; one configuration per source, one destination each). The destinations'
//! ARNs are stored and answered. Where the operator names a directory
//! (`--log-delivery-dir`), each record for a destination is appended there as a JSON
//! line to `<directory>/<destination>.jsonl`, the destination being its ARN with every
//! character other than letters, digits, `-`, `_` and `.` made `_`: threat
//! protection's sign-in events (`userAuthEvents`, as they are recorded) and messages
//! that could not be sent (`userNotification`: kind, medium, user and the last error,
//! reported by the delivery after its retries).
//! Kept as the pool object `config` of kind `log_delivery`.

use crate::clock::now;
use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::Conn;
use serde_json::{json, Value};

operation!(SetLogDeliveryConfiguration => Service::set_log_delivery_configuration);
operation!(GetLogDeliveryConfiguration => Service::get_log_delivery_configuration);

const KEY: &str = "config";

/// The ARN a configuration delivers to.
fn destination(c: &LogConfigurationType) -> Option<&str> {
    c.cloud_watch_logs_configuration
        .as_ref()
        .and_then(|d| d.log_group_arn.as_deref())
        .or_else(|| {
            c.firehose_configuration
                .as_ref()
                .and_then(|d| d.stream_arn.as_deref())
        })
        .or_else(|| {
            c.s3_configuration
                .as_ref()
                .and_then(|d| d.bucket_arn.as_deref())
        })
}

fn check(configs: &[LogConfigurationType], pool: &UserPoolType) -> Result<()> {
    let mut sources = Vec::new();
    for c in configs {
        let source = c.event_source.clone().unwrap_or_default();
        if sources.contains(&source) {
            return Err(invalid(format!(
                "Only one log configuration per event source: {source} is given twice."
            )));
        }
        sources.push(source.clone());
        let destinations = [
            c.cloud_watch_logs_configuration.is_some(),
            c.firehose_configuration.is_some(),
            c.s3_configuration.is_some(),
        ]
        .iter()
        .filter(|d| **d)
        .count();
        if destinations != 1 || destination(c).is_none() {
            return Err(invalid(
                "A log configuration needs exactly one destination: CloudWatchLogsConfiguration, FirehoseConfiguration or S3Configuration.",
            ));
        }
        let level = c.log_level.clone().unwrap_or_default();
        if source == EventSourceName::USERNOTIFICATION {
            if level != LogLevel::ERROR || c.cloud_watch_logs_configuration.is_none() {
                return Err(invalid(
                    "userNotification logs are delivered at LogLevel ERROR to CloudWatchLogsConfiguration.",
                ));
            }
        } else if source == EventSourceName::USERAUTHEVENTS {
            if level != LogLevel::INFO {
                return Err(invalid(
                    "userAuthEvents logs are delivered at LogLevel INFO.",
                ));
            }
            if pool.user_pool_tier != Some(UserPoolTierType::PLUS) {
                return Err(fail(
                    ErrorCode::FeatureUnavailableInTierException,
                    "userAuthEvents logs need the PLUS tier.",
                ));
            }
        }
    }
    Ok(())
}

fn read(c: &mut dyn Conn, pool_id: &str) -> Result<Vec<LogConfigurationType>> {
    Ok(pool_object::get(c, pool_id, Kind::LogDelivery, KEY)?
        .map(|row| from_doc::<LogDeliveryConfigurationType>(&row.doc))
        .transpose()?
        .and_then(|d| d.log_configurations)
        .unwrap_or_default())
}

/// The destination of the pool's `source` logs, if it has a configuration for it.
pub(crate) fn destination_of(
    c: &mut dyn Conn,
    pool_id: &str,
    source: &EventSourceName,
) -> Result<Option<String>> {
    Ok(read(c, pool_id)?
        .iter()
        .find(|l| l.event_source.as_ref() == Some(source))
        .and_then(|l| destination(l).map(str::to_string)))
}

/// A destination's file name.
fn file_name(arn: &str) -> String {
    let name: String = arn
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || "-_.".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}.jsonl")
}

impl Service {
    /// Appends a record of `source` for pool `pool_id` to its destination's file, where
    /// the operator gave a directory. A failure is logged.
    pub(crate) async fn deliver_log(
        &self,
        destination: &str,
        pool_id: &str,
        source: &str,
        level: &str,
        message: Value,
    ) {
        let Some(dir) = self.config().log_delivery_dir.clone() else {
            return;
        };
        let record = json!({
            "eventTimestamp": (now() * 1000.0) as i64,
            "logLevel": level,
            "logSourceVersion": "1.0",
            "eventSource": source,
            "userPoolId": pool_id,
            "destination": destination,
            "message": message,
        });
        let path = std::path::Path::new(&dir).join(file_name(destination));
        let mut line = record.to_string();
        line.push('\n');
        let written = tokio::task::spawn_blocking(move || {
            use std::io::Write as _;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(line.as_bytes()))
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!(destination, "a log record could not be written");
        }
    }

    /// A message that could not be sent, for good: a `userNotification` record (at
    /// ERROR) where the pool delivers those logs. Never the message's text, code or
    /// destination.
    pub async fn log_delivery_failure(&self, message: &crate::messages::Message, error: &str) {
        let pool_id = message.pool_id.clone();
        let destination = self
            .store()
            .read(move |c| destination_of(c, &pool_id, &EventSourceName::USERNOTIFICATION))
            .await;
        let Ok(Some(destination)) = destination else {
            return;
        };
        let record = json!({
            "eventType": message.kind,
            "deliveryMedium": message.channel.medium().as_str(),
            "username": message.username,
            "error": error,
        });
        self.deliver_log(
            &destination,
            &message.pool_id,
            "userNotification",
            "ERROR",
            record,
        )
        .await;
    }

    pub(crate) async fn set_log_delivery_configuration(
        &self,
        input: SetLogDeliveryConfigurationRequest,
    ) -> Result<SetLogDeliveryConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let configs = required(&input.log_configurations, "logConfigurations")?.clone();
        let answer = LogDeliveryConfigurationType {
            user_pool_id: Some(pool_id.clone()),
            log_configurations: Some(configs.clone()),
        };
        let stored = answer.clone();
        self.store()
            .write(move |c| {
                let (_, pool) = load_pool(c, &pool_id)?;
                check(&configs, &pool)?;
                pool_object::put(
                    c,
                    &pool_id,
                    Kind::LogDelivery,
                    &PoolObjectRow {
                        key: KEY.to_string(),
                        created_at: now(),
                        doc: to_doc(&stored)?,
                    },
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(SetLogDeliveryConfigurationResponse {
            log_delivery_configuration: Some(answer),
        })
    }

    pub(crate) async fn get_log_delivery_configuration(
        &self,
        input: GetLogDeliveryConfigurationRequest,
    ) -> Result<GetLogDeliveryConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let id = pool_id.clone();
        let configs = self
            .store()
            .read(move |c| {
                load_pool(c, &id)?;
                read(c, &id)
            })
            .await?;
        Ok(GetLogDeliveryConfigurationResponse {
            log_delivery_configuration: Some(LogDeliveryConfigurationType {
                user_pool_id: Some(pool_id),
                log_configurations: Some(configs),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_name_their_files() {
        assert_eq!(
            file_name("arn:aws:logs:us-east-1:123456789012:log-group:cognito/auth"),
            "arn_aws_logs_us-east-1_123456789012_log-group_cognito_auth.jsonl"
        );
    }
}
