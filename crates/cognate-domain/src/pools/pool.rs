//! User pools: CreateUserPool, DescribeUserPool, UpdateUserPool, ListUserPools,
//! DeleteUserPool, AddCustomAttributes. A pool's full description is stored as its
//! `UserPoolType` document; EstimatedNumberOfUsers comes from the row's user count.

use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pools::cache::PoolCache;
use crate::pools::schema;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use crate::{ids, pagination};
use cognate_api::types::*;
use cognate_api::{ErrorCode, Reply, RequestContext};
use cognate_store::records::user_pool::{self, UserPoolRow};
use cognate_store::records::{user_pool_domain, Page, PageRequest};
use cognate_store::Conn;
use std::collections::BTreeMap;
use std::sync::Arc;

operation!(AddCustomAttributes => Service::add_custom_attributes);
operation!(CreateUserPool => Service::create_user_pool, with_context);
operation!(DeleteUserPool => Service::delete_user_pool);
operation!(DescribeUserPool => Service::describe_user_pool);
operation!(ListUserPools => Service::list_user_pools, with_context);
operation!(UpdateUserPool => Service::update_user_pool);

/// The settings CreateUserPool and UpdateUserPool share. Left out, each takes AWS's
/// default: an update is a replacement of these, not a patch.
#[derive(Default)]
struct Settings {
    policies: Option<UserPoolPolicyType>,
    deletion_protection: Option<DeletionProtectionType>,
    lambda_config: Option<LambdaConfigType>,
    auto_verified_attributes: Option<Vec<VerifiedAttributeType>>,
    sms_verification_message: Option<String>,
    email_verification_message: Option<String>,
    email_verification_subject: Option<String>,
    verification_message_template: Option<VerificationMessageTemplateType>,
    sms_authentication_message: Option<String>,
    user_attribute_update_settings: Option<UserAttributeUpdateSettingsType>,
    mfa_configuration: Option<UserPoolMfaType>,
    device_configuration: Option<DeviceConfigurationType>,
    email_configuration: Option<EmailConfigurationType>,
    sms_configuration: Option<SmsConfigurationType>,
    admin_create_user_config: Option<AdminCreateUserConfigType>,
    user_pool_add_ons: Option<UserPoolAddOnsType>,
    account_recovery_setting: Option<AccountRecoverySettingType>,
    user_pool_tier: Option<UserPoolTierType>,
}

/// Applies `s` to `pool`, every setting left out returning to its default.
/// `software_token_mfa` says whether TOTP MFA is enabled (SetUserPoolMfaConfig), which
/// lets MFA be ON without SMS.
fn apply_settings(pool: &mut UserPoolType, s: Settings, software_token_mfa: bool) -> Result<()> {
    let mut policies = s.policies.unwrap_or_default();
    let password = match policies.password_policy.take() {
        None => PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            password_history_size: None,
            temporary_password_validity_days: Some(7),
        },
        Some(p) => PasswordPolicyType {
            minimum_length: Some(p.minimum_length.unwrap_or(8)),
            require_uppercase: Some(p.require_uppercase.unwrap_or(false)),
            require_lowercase: Some(p.require_lowercase.unwrap_or(false)),
            require_numbers: Some(p.require_numbers.unwrap_or(false)),
            require_symbols: Some(p.require_symbols.unwrap_or(false)),
            password_history_size: p.password_history_size,
            temporary_password_validity_days: Some(p.temporary_password_validity_days.unwrap_or(7)),
        },
    };
    let tier = s.user_pool_tier.unwrap_or(UserPoolTierType::ESSENTIALS);
    if password.password_history_size.is_some_and(|n| n > 0) && tier == UserPoolTierType::LITE {
        return Err(fail(
            ErrorCode::FeatureUnavailableInTierException,
            "Password history is not available in the LITE tier.",
        ));
    }
    policies.password_policy = Some(password);
    let sign_in = policies.sign_in_policy.take().unwrap_or(SignInPolicyType {
        allowed_first_auth_factors: Some(vec![AuthFactorType::PASSWORD]),
    });
    if !sign_in
        .allowed_first_auth_factors
        .as_ref()
        .is_some_and(|f| f.contains(&AuthFactorType::PASSWORD))
    {
        return Err(invalid("AllowedFirstAuthFactors must include PASSWORD."));
    }
    let passwordless = sign_in
        .allowed_first_auth_factors
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| *f != AuthFactorType::PASSWORD));
    if passwordless && tier == UserPoolTierType::LITE {
        return Err(fail(
            ErrorCode::FeatureUnavailableInTierException,
            "Passwordless sign-in is not available in the LITE tier.",
        ));
    }
    policies.sign_in_policy = Some(sign_in);
    pool.policies = Some(policies);

    pool.deletion_protection = Some(
        s.deletion_protection
            .unwrap_or(DeletionProtectionType::INACTIVE),
    );
    pool.lambda_config = Some(lambda_config(s.lambda_config.unwrap_or_default(), &tier)?);

    let auto_verified = s.auto_verified_attributes.unwrap_or_default();
    pool.auto_verified_attributes = (!auto_verified.is_empty()).then(|| auto_verified.clone());

    // The legacy top-level messages and VerificationMessageTemplate mirror each other.
    let mut template = s.verification_message_template.unwrap_or_default();
    template.email_message = template.email_message.or(s.email_verification_message);
    template.email_subject = template.email_subject.or(s.email_verification_subject);
    template.sms_message = template.sms_message.or(s.sms_verification_message);
    template.default_email_option = Some(
        template
            .default_email_option
            .unwrap_or(DefaultEmailOptionType::CONFIRM_WITH_CODE),
    );
    if template.default_email_option == Some(DefaultEmailOptionType::CONFIRM_WITH_LINK) {
        if let Some(m) = &template.email_message_by_link {
            if !m.contains("{##") {
                return Err(invalid(
                    "EmailMessageByLink must contain a {##Verify Email##} placeholder.",
                ));
            }
        }
    }
    pool.email_verification_message = template.email_message.clone();
    pool.email_verification_subject = template.email_subject.clone();
    pool.sms_verification_message = template.sms_message.clone();
    pool.verification_message_template = Some(template);
    pool.sms_authentication_message = s.sms_authentication_message;

    // Omitted, the verification-before-update list keeps its value (as AWS does); it
    // must name only auto-verified attributes either way.
    let update_settings = s
        .user_attribute_update_settings
        .or_else(|| pool.user_attribute_update_settings.take())
        .unwrap_or(UserAttributeUpdateSettingsType {
            attributes_require_verification_before_update: Some(vec![]),
        });
    let needs = update_settings
        .attributes_require_verification_before_update
        .clone()
        .unwrap_or_default();
    if needs.iter().any(|a| !auto_verified.contains(a)) {
        return Err(invalid(
            "All attributes in AttributesRequireVerificationBeforeUpdate must exist in AutoVerifiedAttributes",
        ));
    }
    pool.user_attribute_update_settings = Some(UserAttributeUpdateSettingsType {
        attributes_require_verification_before_update: Some(needs),
    });

    let mfa = s.mfa_configuration.unwrap_or(UserPoolMfaType::OFF);
    if mfa != UserPoolMfaType::OFF && s.sms_configuration.is_none() && !software_token_mfa {
        return Err(invalid(
            "SMS configuration and Auto verification for phone_number are required when MFA is required/optional",
        ));
    }
    pool.mfa_configuration = Some(mfa);
    pool.device_configuration = s.device_configuration;

    let email = s.email_configuration.unwrap_or_default();
    let account = email
        .email_sending_account
        .clone()
        .unwrap_or(EmailSendingAccountType::COGNITO_DEFAULT);
    if account == EmailSendingAccountType::DEVELOPER && email.source_arn.is_none() {
        return Err(invalid(
            "SourceArn is required in EmailConfiguration when EmailSendingAccount is DEVELOPER.",
        ));
    }
    pool.email_configuration = Some(EmailConfigurationType {
        email_sending_account: Some(account),
        ..email
    });
    pool.sms_configuration = s.sms_configuration;

    let admin = s.admin_create_user_config.unwrap_or_default();
    pool.admin_create_user_config = Some(AdminCreateUserConfigType {
        allow_admin_create_user_only: Some(admin.allow_admin_create_user_only.unwrap_or(false)),
        unused_account_validity_days: Some(admin.unused_account_validity_days.unwrap_or(7)),
        invite_message_template: admin.invite_message_template,
    });
    if let Some(add_ons) = &s.user_pool_add_ons {
        if add_ons
            .advanced_security_mode
            .as_ref()
            .is_some_and(|m| *m != AdvancedSecurityModeType::OFF)
            && tier != UserPoolTierType::PLUS
        {
            return Err(fail(
                ErrorCode::FeatureUnavailableInTierException,
                "Threat protection requires the PLUS tier.",
            ));
        }
    }
    pool.user_pool_add_ons = s.user_pool_add_ons;
    if let Some(recovery) = &s.account_recovery_setting {
        check_recovery(recovery)?;
    }
    pool.account_recovery_setting = s.account_recovery_setting;
    pool.user_pool_tier = Some(tier);
    Ok(())
}

fn check_recovery(setting: &AccountRecoverySettingType) -> Result<()> {
    let mechanisms = setting.recovery_mechanisms.clone().unwrap_or_default();
    let mut priorities: Vec<i32> = mechanisms.iter().filter_map(|m| m.priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    if priorities.len() != mechanisms.len() {
        return Err(invalid(
            "Priorities of the recovery mechanisms must be unique.",
        ));
    }
    let mut names: Vec<&RecoveryOptionNameType> =
        mechanisms.iter().filter_map(|m| m.name.as_ref()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != mechanisms.len() {
        return Err(invalid("Recovery mechanisms must be unique."));
    }
    if names.contains(&&RecoveryOptionNameType::ADMIN_ONLY) && mechanisms.len() > 1 {
        return Err(invalid(
            "admin_only cannot be combined with other recovery mechanisms.",
        ));
    }
    Ok(())
}

fn check_sign_in_names(pool: &UserPoolType) -> Result<()> {
    if pool
        .username_attributes
        .as_ref()
        .is_some_and(|u| !u.is_empty())
        && pool
            .alias_attributes
            .as_ref()
            .is_some_and(|a| !a.is_empty())
    {
        return Err(invalid(
            "Only one of the following can be set: UsernameAttributes, AliasAttributes.",
        ));
    }
    Ok(())
}

pub fn arn(service: &Service, region: &str, pool_id: &str) -> String {
    format!(
        "arn:aws:cognito-idp:{region}:{}:userpool/{pool_id}",
        service.config().account_id
    )
}

pub fn not_found_message(pool_id: &str) -> String {
    format!("User pool {pool_id} does not exist.")
}

/// The pool `pool_id` inside a transaction, or ResourceNotFoundException.
pub fn load(conn: &mut dyn Conn, pool_id: &str) -> Result<(UserPoolRow, UserPoolType)> {
    let row =
        user_pool::get(conn, pool_id)?.ok_or_else(|| not_found(not_found_message(pool_id)))?;
    let pool: UserPoolType = from_doc(&row.doc)?;
    Ok((row, pool))
}

/// The pool `pool_id` for reading, from the cache while its version is unchanged, with
/// its current user count.
pub fn load_cached(
    conn: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
) -> Result<(Arc<UserPoolType>, i64)> {
    let (version, users) =
        user_pool::version(conn, pool_id)?.ok_or_else(|| not_found(not_found_message(pool_id)))?;
    if let Some(pool) = cache.get(pool_id, version) {
        return Ok((pool, users));
    }
    let (row, pool) = load(conn, pool_id)?;
    let pool = Arc::new(pool);
    cache.put(pool_id, row.version, pool.clone());
    Ok((pool, row.user_count))
}

/// Stores `pool` as the new state of `row`, touching LastModifiedDate.
pub fn save(conn: &mut dyn Conn, mut row: UserPoolRow, pool: &mut UserPoolType) -> Result<()> {
    let t = now();
    pool.last_modified_date = Some(t);
    row.updated_at = t;
    row.name = pool.name.clone().unwrap_or_default();
    row.doc = to_doc(pool)?;
    user_pool::update(conn, &row)?;
    Ok(())
}

fn described(row: &UserPoolRow, mut pool: UserPoolType) -> UserPoolType {
    pool.estimated_number_of_users = Some(i32::try_from(row.user_count).unwrap_or(i32::MAX));
    pool
}

impl Service {
    /// A new pool's row and description from a CreateUserPool input (validated here
    /// beyond the model's constraints).
    pub(crate) fn build_user_pool(
        &self,
        region: String,
        id: String,
        input: CreateUserPoolRequest,
    ) -> Result<(UserPoolRow, UserPoolType)> {
        let t = now();
        let mut pool = UserPoolType {
            id: Some(id.clone()),
            name: Some(required(&input.pool_name, "poolName")?.clone()),
            arn: Some(arn(self, &region, &id)),
            creation_date: Some(t),
            last_modified_date: Some(t),
            schema_attributes: Some(schema::initial(input.schema.as_deref().unwrap_or(&[]))?),
            alias_attributes: input.alias_attributes.clone().filter(|a| !a.is_empty()),
            username_attributes: input.username_attributes.clone().filter(|a| !a.is_empty()),
            username_configuration: input.username_configuration.clone(),
            user_pool_tags: Some(input.user_pool_tags.clone().unwrap_or_default()),
            ..Default::default()
        };
        check_sign_in_names(&pool)?;
        apply_settings(
            &mut pool,
            Settings {
                policies: input.policies,
                deletion_protection: input.deletion_protection,
                lambda_config: input.lambda_config,
                auto_verified_attributes: input.auto_verified_attributes,
                sms_verification_message: input.sms_verification_message,
                email_verification_message: input.email_verification_message,
                email_verification_subject: input.email_verification_subject,
                verification_message_template: input.verification_message_template,
                sms_authentication_message: input.sms_authentication_message,
                user_attribute_update_settings: input.user_attribute_update_settings,
                mfa_configuration: input.mfa_configuration,
                device_configuration: input.device_configuration,
                email_configuration: input.email_configuration,
                sms_configuration: input.sms_configuration,
                admin_create_user_config: input.admin_create_user_config,
                user_pool_add_ons: input.user_pool_add_ons,
                account_recovery_setting: input.account_recovery_setting,
                user_pool_tier: input.user_pool_tier,
            },
            false,
        )?;
        let row = UserPoolRow {
            id: id.clone(),
            region,
            name: pool.name.clone().unwrap_or_default(),
            created_at: t,
            updated_at: t,
            user_count: 0,
            version: 0,
            doc: to_doc(&pool)?,
        };
        Ok((row, pool))
    }

    pub(crate) async fn create_user_pool(
        &self,
        ctx: &RequestContext,
        input: CreateUserPoolRequest,
    ) -> Result<CreateUserPoolResponse> {
        let region = self.request_region(ctx);
        let id = ids::user_pool_id(&region);
        let (row, pool) = self.build_user_pool(region, id, input)?;
        let inserted = row.clone();
        self.store()
            .write(move |c| user_pool::insert(c, &inserted).map_err(Error::from))
            .await?;
        Ok(CreateUserPoolResponse {
            user_pool: Some(described(&row, pool)),
        })
    }

    /// The answer is kept serialized per pool version and user count, so repeated
    /// descriptions of an unchanged pool cost one small query.
    pub(crate) async fn describe_user_pool(
        &self,
        input: DescribeUserPoolRequest,
    ) -> Result<Reply<DescribeUserPoolResponse>> {
        let id = required(&input.user_pool_id, "userPoolId")?.clone();
        let cache = self.pool_cache();
        // The answer kept for this version and user count, checked in one statement
        // outside a transaction; on a miss, the pool is read as below.
        let read_id = id.clone();
        let current = self
            .store()
            .read_statement(move |c| user_pool::version(c, &read_id))
            .await?;
        if let Some(json) = current.and_then(|(v, users)| cache.described(&id, v, users)) {
            return Ok(Reply::Json(json));
        }
        let read_cache = cache.clone();
        let read_id = id.clone();
        let found = self
            .store()
            .read(move |c| {
                let (version, users) = user_pool::version(c, &read_id)?
                    .ok_or_else(|| not_found(not_found_message(&read_id)))?;
                if let Some(json) = read_cache.described(&read_id, version, users) {
                    return Ok::<_, Error>(Err(json));
                }
                let (pool, users) = load_cached(c, &read_cache, &read_id)?;
                Ok(Ok((pool, version, users)))
            })
            .await?;
        match found {
            Err(json) => Ok(Reply::Json(json)),
            Ok((pool, version, users)) => {
                let mut pool = Arc::unwrap_or_clone(pool);
                pool.estimated_number_of_users = Some(i32::try_from(users).unwrap_or(i32::MAX));
                let response = DescribeUserPoolResponse {
                    user_pool: Some(pool),
                };
                let json: Arc<[u8]> = cognate_api::protocol::serialize_output(&response)?.into();
                cache.put_described(&id, version, users, json.clone());
                Ok(Reply::Json(json))
            }
        }
    }

    pub(crate) async fn update_user_pool(
        &self,
        input: UpdateUserPoolRequest,
    ) -> Result<UpdateUserPoolResponse> {
        let id = required(&input.user_pool_id, "userPoolId")?.clone();
        self.store()
            .write(move |c| {
                let (row, mut pool) = load(c, &id)?;
                let totp = crate::pools::mfa_config::software_token_enabled(c, &id)?;
                let input = input.clone();
                if let Some(name) = input.pool_name {
                    pool.name = Some(name);
                }
                if let Some(tags) = input.user_pool_tags {
                    pool.user_pool_tags = Some(tags);
                }
                apply_settings(
                    &mut pool,
                    Settings {
                        policies: input.policies,
                        deletion_protection: input.deletion_protection,
                        lambda_config: input.lambda_config,
                        auto_verified_attributes: input.auto_verified_attributes,
                        sms_verification_message: input.sms_verification_message,
                        email_verification_message: input.email_verification_message,
                        email_verification_subject: input.email_verification_subject,
                        verification_message_template: input.verification_message_template,
                        sms_authentication_message: input.sms_authentication_message,
                        user_attribute_update_settings: input.user_attribute_update_settings,
                        mfa_configuration: input.mfa_configuration,
                        device_configuration: input.device_configuration,
                        email_configuration: input.email_configuration,
                        sms_configuration: input.sms_configuration,
                        admin_create_user_config: input.admin_create_user_config,
                        user_pool_add_ons: input.user_pool_add_ons,
                        account_recovery_setting: input.account_recovery_setting,
                        user_pool_tier: input.user_pool_tier,
                    },
                    totp,
                )?;
                save(c, row, &mut pool)
            })
            .await?;
        Ok(UpdateUserPoolResponse {})
    }

    pub(crate) async fn list_user_pools(
        &self,
        ctx: &RequestContext,
        input: ListUserPoolsRequest,
    ) -> Result<ListUserPoolsResponse> {
        let region = self.request_region(ctx);
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results, 60),
        };
        let cache = self.pool_cache();
        let page = self
            .store()
            .read(move |c| {
                let versions = user_pool::list_versions(c, &region, &page)?;
                let mut pools = Vec::with_capacity(versions.items.len());
                for (id, _) in &versions.items {
                    // A pool deleted since the page was read is left out.
                    match load_cached(c, &cache, id) {
                        Ok((pool, _)) => {
                            let replicas = crate::pools::replicas::replica_regions(c, id)?;
                            pools.push((pool, replicas))
                        }
                        Err(e) if e.0.code == ErrorCode::ResourceNotFoundException => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok::<_, Error>(Page {
                    items: pools,
                    next: versions.next,
                })
            })
            .await?;
        let mut pools = Vec::with_capacity(page.items.len());
        for (pool, replicas) in page.items {
            pools.push(UserPoolDescriptionType {
                replica_regions: (!replicas.is_empty()).then_some(replicas),
                id: pool.id.clone(),
                name: pool.name.clone(),
                lambda_config: pool.lambda_config.clone(),
                last_modified_date: pool.last_modified_date,
                creation_date: pool.creation_date,
                ..Default::default()
            });
        }
        Ok(ListUserPoolsResponse {
            user_pools: Some(pools),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn delete_user_pool(
        &self,
        input: DeleteUserPoolRequest,
    ) -> Result<cognate_api::Empty> {
        let id = required(&input.user_pool_id, "userPoolId")?.clone();
        self.store()
            .write(move |c| {
                let (_, pool) = load(c, &id)?;
                if pool.deletion_protection == Some(DeletionProtectionType::ACTIVE) {
                    return Err(invalid(
                        "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
                    ));
                }
                if !user_pool_domain::of_pool(c, &id)?.is_empty() {
                    return Err(invalid(
                        "User pool cannot be deleted. It has a domain configured that should be deleted first.",
                    ));
                }
                user_pool::delete(c, &id)?;
                Ok(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }

    pub(crate) async fn add_custom_attributes(
        &self,
        input: AddCustomAttributesRequest,
    ) -> Result<AddCustomAttributesResponse> {
        let id = required(&input.user_pool_id, "userPoolId")?.clone();
        let attributes = required(&input.custom_attributes, "customAttributes")?.clone();
        self.store()
            .write(move |c| {
                let (row, mut pool) = load(c, &id)?;
                let mut schema = pool.schema_attributes.take().unwrap_or_default();
                schema::add_custom(&mut schema, &attributes)?;
                pool.schema_attributes = Some(schema);
                save(c, row, &mut pool)
            })
            .await?;
        Ok(AddCustomAttributesResponse {})
    }

    /// Replaces a pool's tags (TagResource, UntagResource).
    pub(crate) async fn edit_tags(
        &self,
        pool_id: String,
        edit: impl Fn(&mut BTreeMap<String, String>) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        self.store()
            .write(move |c| {
                let (row, mut pool) = load(c, &pool_id)?;
                let mut tags = pool.user_pool_tags.take().unwrap_or_default();
                edit(&mut tags)?;
                pool.user_pool_tags = Some(tags);
                save(c, row, &mut pool)
            })
            .await
    }
}

/// LambdaConfig as AWS keeps it: PreTokenGeneration and PreTokenGenerationConfig name
/// the same function (either given sets the other; V1_0 when no version is named);
/// access-token customization (V2_0, V3_0) needs the Essentials or Plus plan; the
/// custom senders need the KMS key their codes are encrypted with.
fn lambda_config(
    mut config: LambdaConfigType,
    tier: &UserPoolTierType,
) -> Result<LambdaConfigType> {
    let versioned = config
        .pre_token_generation_config
        .as_ref()
        .and_then(|c| c.lambda_arn.clone());
    match (&config.pre_token_generation, versioned) {
        (Some(plain), Some(versioned)) if *plain != versioned => {
            return Err(invalid(
                "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same function.",
            ));
        }
        (None, Some(versioned)) => config.pre_token_generation = Some(versioned),
        (Some(plain), None) => {
            let version = config
                .pre_token_generation_config
                .as_ref()
                .and_then(|c| c.lambda_version.clone())
                .unwrap_or(PreTokenGenerationLambdaVersionType::V1_0);
            config.pre_token_generation_config = Some(PreTokenGenerationVersionConfigType {
                lambda_arn: Some(plain.clone()),
                lambda_version: Some(version),
            });
        }
        _ => {}
    }
    if let Some(c) = config.pre_token_generation_config.as_mut() {
        if c.lambda_version.is_none() {
            c.lambda_version = Some(PreTokenGenerationLambdaVersionType::V1_0);
        }
        if c.lambda_version != Some(PreTokenGenerationLambdaVersionType::V1_0)
            && *tier == UserPoolTierType::LITE
        {
            return Err(fail(
                ErrorCode::FeatureUnavailableInTierException,
                "Access token customization is not available in the LITE tier.",
            ));
        }
    }
    if (config.custom_email_sender.is_some() || config.custom_sms_sender.is_some())
        && config.kms_key_id.as_deref().is_none_or(str::is_empty)
    {
        return Err(invalid(
            "KMSKeyID must be set when a CustomEmailSender or CustomSMSSender is configured.",
        ));
    }
    Ok(config)
}
