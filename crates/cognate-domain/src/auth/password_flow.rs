//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH): the password
//! checked against the stored SRP verifier.

use super::*;
use crate::crypto::srp::{self};
use crate::error::Result;
use crate::pools::client::AuthClient;
use crate::service::Service;
use crate::triggers::Trigger;
use crate::users::{self as user};
use std::collections::BTreeMap;

impl Service {
    /// USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password checked against
    /// the stored verifier.
    pub(super) async fn password_flow(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let password = params.get("PASSWORD").ok_or_else(|| missing("PASSWORD"))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let mut ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        if ctx.user.is_none() && Trigger::UserMigration.configured(&ctx.pool.pool) {
            // A user the pool does not know may be migrated by its function.
            check_secret_hash(&client, &[username], secret_hash)?;
            let client_id = client.client.client_id.clone().unwrap_or_default();
            match self
                .migrate_user(
                    &ctx.pool,
                    &client_id,
                    username,
                    Some(password),
                    client.client_metadata.as_ref(),
                )
                .await
            {
                Ok(migrated) => ctx.user = migrated,
                Err(_) if prevents_existence_errors(&client) => return Err(incorrect()),
                Err(e) => return Err(e),
            }
        }
        let Some((row, doc)) = &ctx.user else {
            check_secret_hash(&client, &[username], secret_hash)?;
            if !prevents_existence_errors(&client) {
                return Err(user::user_not_found());
            }
            self.before_sign_in(&client, &ctx.pool, username, None)
                .await?;
            // As a real user's wrong password: the check is reserved (so the lockout
            // answers alike), costs one verifier computation, and fails.
            let (_, key) = self.decoy_identity(&ctx.pool, username);
            let attempt = self.reserve_sign_in(&ctx.pool.id, &key, None).await?;
            let decoy = self.decoy_verifier(&ctx.pool, username);
            std::hint::black_box(srp::matches(&decoy, &ctx.pool.id, username, password));
            return Err(self.fail_attempt(attempt).await);
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        self.before_sign_in(&client, &ctx.pool, username, Some((row, doc)))
            .await?;
        // A client hiding which users exist says a user is disabled only to the right
        // password (AWS: a disabled user's wrong password is the generic error).
        if !row.enabled && !prevents_existence_errors(&client) {
            return Err(not_authorized("User is disabled."));
        }
        super::sign_in::reset_without_password(&client, row, doc)?;
        let device = self
            .named_device(&ctx.pool, row, params.get("DEVICE_KEY"))
            .await?;
        let attempt = self
            .reserve_sign_in(&ctx.pool.id, &row.username_key, None)
            .await?;
        let ok = doc
            .password
            .as_ref()
            .is_some_and(|p| srp::matches(&p.verifier, &ctx.pool.id, &row.username, password));
        if !ok {
            self.record_sign_in(
                crate::users::threat_protection(&ctx.pool.pool),
                &ctx.pool.id,
                &row.sub,
                client.source_ip.clone(),
                None,
            )
            .await;
            return Err(self.fail_attempt(attempt).await);
        }
        self.password_proven(&client, &ctx.pool, (row, doc), attempt, device)
            .await
    }
}
