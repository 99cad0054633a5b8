//! A pool's domains: CreateUserPoolDomain, DescribeUserPoolDomain,
//! UpdateUserPoolDomain, DeleteUserPoolDomain. A pool has at most one prefix domain
//! (`<prefix>.auth.<region>.amazoncognito.com` at AWS) and one custom domain (a name the
//! customer owns, with an ACM certificate); every name belongs to one pool. The pool's
//! `Domain` and `CustomDomain` name them in DescribeUserPool; requests whose Host is one
//! of them are mapped to the pool by `oauth::hosts`.

use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pools::pool::{load, save};
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user_pool_domain::{self, DomainRow};
use serde::{Deserialize, Serialize};

operation!(CreateUserPoolDomain => Service::create_user_pool_domain);
operation!(DeleteUserPoolDomain => Service::delete_user_pool_domain);
operation!(DescribeUserPoolDomain => Service::describe_user_pool_domain);
operation!(UpdateUserPoolDomain => Service::update_user_pool_domain);

/// What a domain's row keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain_config: Option<CustomDomainConfigType>,
    pub managed_login_version: i32,
}

impl DomainDoc {
    pub fn is_custom(&self) -> bool {
        self.custom_domain_config.is_some()
    }
}

/// AWS's words for a prefix outside lowercase letters, digits and inner hyphens.
const PREFIX_RULE: &str = "The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$";

/// The words AWS reserves in prefix domains.
const RESERVED: &[&str] = &["aws", "amazon", "cognito"];

fn check_prefix(prefix: &str) -> Result<()> {
    let shape = !prefix.is_empty()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !prefix.starts_with('-')
        && !prefix.ends_with('-');
    if !shape {
        return Err(invalid(PREFIX_RULE));
    }
    if let Some(word) = RESERVED.iter().find(|w| prefix.contains(*w)) {
        return Err(invalid(format!(
            "Domain cannot contain reserved word: {word}"
        )));
    }
    Ok(())
}

/// A custom domain is a fully-qualified name: labels of lowercase letters, digits and
/// inner hyphens, separated by periods.
fn check_custom(domain: &str) -> Result<()> {
    let labels: Vec<&str> = domain.split('.').collect();
    let valid = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if valid {
        Ok(())
    } else {
        Err(invalid(format!(
            "{domain} is not a valid custom domain: give a fully-qualified domain name such as auth.example.com."
        )))
    }
}

fn check_version(version: Option<i32>, pool: &UserPoolType) -> Result<i32> {
    let version = version.unwrap_or(1);
    if version != 1 && version != 2 {
        return Err(invalid(
            "ManagedLoginVersion must be 1 (hosted UI classic) or 2 (managed login).",
        ));
    }
    if version == 2 && pool.user_pool_tier == Some(UserPoolTierType::LITE) {
        return Err(fail(
            ErrorCode::FeatureUnavailableInTierException,
            "Managed login is not available in the LITE tier.",
        ));
    }
    Ok(version)
}

/// The CloudFront distribution AWS would name as the alias target of a custom domain:
/// `d` and 13 letters and digits under `cloudfront.net`, the same for the same domain.
pub fn cloudfront_distribution(domain: &str) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let digest = Sha256::digest(domain.as_bytes());
    let name: String = digest
        .iter()
        .take(13)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("d{name}.cloudfront.net")
}

fn no_such_domain() -> Error {
    invalid("No such domain or user pool exists.")
}

impl Service {
    pub(crate) async fn create_user_pool_domain(
        &self,
        input: CreateUserPoolDomainRequest,
    ) -> Result<CreateUserPoolDomainResponse> {
        let domain = required(&input.domain, "domain")?.clone();
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let config = input.custom_domain_config.clone();
        match &config {
            Some(_) => check_custom(&domain)?,
            None => check_prefix(&domain)?,
        }
        let name = domain.clone();
        let version = self
            .store()
            .write(move |c| {
                let (row, mut pool) = load(c, &pool_id)?;
                let version = check_version(input.managed_login_version, &pool)?;
                let taken = if config.is_some() {
                    pool.custom_domain.is_some()
                } else {
                    pool.domain.is_some()
                };
                if taken {
                    return Err(invalid("User pool already has a domain configured."));
                }
                if user_pool_domain::get(c, &name)?.is_some() {
                    return Err(invalid("Domain already associated with another user pool."));
                }
                let doc = DomainDoc {
                    custom_domain_config: config.clone(),
                    managed_login_version: version,
                };
                user_pool_domain::insert(
                    c,
                    &DomainRow {
                        domain: name.clone(),
                        pool_id: pool_id.clone(),
                        doc: to_doc(&doc)?,
                    },
                )?;
                if config.is_some() {
                    pool.custom_domain = Some(name.clone());
                } else {
                    pool.domain = Some(name.clone());
                }
                save(c, row, &mut pool)?;
                Ok::<_, Error>(version)
            })
            .await?;
        self.domain_hosts().forget(&domain);
        Ok(CreateUserPoolDomainResponse {
            managed_login_version: Some(version),
            cloud_front_domain: input
                .custom_domain_config
                .is_some()
                .then(|| cloudfront_distribution(&domain)),
            routing: None,
        })
    }

    /// An unknown domain is described as nothing, as AWS answers it.
    pub(crate) async fn describe_user_pool_domain(
        &self,
        input: DescribeUserPoolDomainRequest,
    ) -> Result<DescribeUserPoolDomainResponse> {
        let domain = required(&input.domain, "domain")?.clone();
        let row = self
            .store()
            .read(move |c| Ok::<_, Error>(user_pool_domain::get(c, &domain)?))
            .await?;
        let Some(row) = row else {
            return Ok(DescribeUserPoolDomainResponse {
                domain_description: Some(DomainDescriptionType::default()),
            });
        };
        let doc: DomainDoc = from_doc(&row.doc)?;
        Ok(DescribeUserPoolDomainResponse {
            domain_description: Some(DomainDescriptionType {
                user_pool_id: Some(row.pool_id),
                aws_account_id: Some(self.config().account_id.clone()),
                cloud_front_distribution: doc
                    .is_custom()
                    .then(|| cloudfront_distribution(&row.domain)),
                domain: Some(row.domain),
                status: Some(DomainStatusType::ACTIVE),
                custom_domain_config: doc.custom_domain_config,
                managed_login_version: Some(doc.managed_login_version),
                ..Default::default()
            }),
        })
    }

    pub(crate) async fn update_user_pool_domain(
        &self,
        input: UpdateUserPoolDomainRequest,
    ) -> Result<UpdateUserPoolDomainResponse> {
        let domain = required(&input.domain, "domain")?.clone();
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = domain.clone();
        let doc = self
            .store()
            .write(move |c| {
                let (_, pool) = load(c, &pool_id)?;
                let row = user_pool_domain::get(c, &name)?
                    .filter(|r| r.pool_id == pool_id)
                    .ok_or_else(no_such_domain)?;
                let mut doc: DomainDoc = from_doc(&row.doc)?;
                match (&input.custom_domain_config, doc.is_custom()) {
                    (Some(_), false) => {
                        return Err(invalid(
                            "CustomDomainConfig applies to custom domains only; this is a prefix domain.",
                        ))
                    }
                    (Some(config), true) => doc.custom_domain_config = Some(config.clone()),
                    (None, _) => {}
                }
                if input.managed_login_version.is_some() {
                    doc.managed_login_version = check_version(input.managed_login_version, &pool)?;
                }
                user_pool_domain::update_doc(c, &name, &to_doc(&doc)?)?;
                Ok::<_, Error>(doc)
            })
            .await?;
        Ok(UpdateUserPoolDomainResponse {
            managed_login_version: Some(doc.managed_login_version),
            cloud_front_domain: doc.is_custom().then(|| cloudfront_distribution(&domain)),
            routing: None,
        })
    }

    pub(crate) async fn delete_user_pool_domain(
        &self,
        input: DeleteUserPoolDomainRequest,
    ) -> Result<DeleteUserPoolDomainResponse> {
        let domain = required(&input.domain, "domain")?.clone();
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = domain.clone();
        self.store()
            .write(move |c| {
                let (row, mut pool) = load(c, &pool_id)?;
                let domain_row = user_pool_domain::get(c, &name)?
                    .filter(|r| r.pool_id == pool_id)
                    .ok_or_else(no_such_domain)?;
                let doc: DomainDoc = from_doc(&domain_row.doc)?;
                user_pool_domain::delete(c, &name)?;
                if doc.is_custom() {
                    pool.custom_domain = None;
                } else {
                    pool.domain = None;
                }
                save(c, row, &mut pool)?;
                Ok::<_, Error>(())
            })
            .await?;
        self.domain_hosts().forget(&domain);
        Ok(DeleteUserPoolDomainResponse {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_aws_rules() {
        assert!(check_prefix("my-app-1").is_ok());
        for bad in ["-app", "app-", "My", "a.b", "a_b", ""] {
            assert_eq!(
                check_prefix(bad).unwrap_err().0.message,
                PREFIX_RULE,
                "{bad}"
            );
        }
        for reserved in ["awsome", "my-amazon", "cognitoapp"] {
            assert!(check_prefix(reserved)
                .unwrap_err()
                .0
                .message
                .starts_with("Domain cannot contain reserved word"));
        }
    }

    #[test]
    fn custom_domains_are_fully_qualified() {
        assert!(check_custom("auth.example.com").is_ok());
        for bad in [
            "example",
            "auth..example.com",
            "-a.example.com",
            ".example.com",
        ] {
            assert!(check_custom(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn distributions_are_stable() {
        let d = cloudfront_distribution("auth.example.com");
        assert_eq!(d, cloudfront_distribution("auth.example.com"));
        assert!(d.starts_with('d') && d.ends_with(".cloudfront.net") && d.len() == 29);
    }
}
