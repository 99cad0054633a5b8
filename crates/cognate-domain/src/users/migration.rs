//! A user migrated by the pool's UserMigration trigger (`triggers/user_migration.rs`):
//! created with the attributes the function answered, with the password they signed in
//! with (CONFIRMED, or RESET_REQUIRED where the function says so), or, from a forgotten
//! password, with none (RESET_REQUIRED: the reset code follows). The SRP verifier is
//! made before the write.

use super::*;
use crate::clock::now;
use crate::crypto::srp;
use crate::effects::Effects;
use crate::error::{fail, Result};
use crate::pools::PoolView;
use crate::service::Service;
use crate::triggers::{Migrated, Migrating};
use crate::users::attributes as attrs;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::user::{self, UserRow};

impl Service {
    /// Asks the pool's UserMigration trigger for `given`, whom the pool does not know,
    /// and creates the user it answers: None when it answers no one (or the pool has no
    /// such trigger).
    pub(crate) async fn migrate_user(
        &self,
        pool: &PoolView,
        client_id: &str,
        given: &str,
        password: Option<&str>,
        metadata: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<Option<(UserRow, UserDoc)>> {
        let Some(migrated) = self
            .user_migration(Migrating {
                pool: &pool.pool,
                pool_id: &pool.id,
                client_id,
                username: given,
                password,
                metadata,
            })
            .await?
        else {
            return Ok(None);
        };
        let Migrated {
            attributes: mut writes,
            reset_required,
            suppress,
            mediums,
            force_alias_creation,
        } = migrated;
        attrs::check_writes(&pool.pool, &mut writes, true)?;
        let sub = uuid::Uuid::new_v4().to_string();
        let mut attributes = vec![AttributeType {
            name: Some("sub".into()),
            value: Some(sub.clone()),
        }];
        apply_writes(&mut attributes, &writes);
        let username = new_username(pool, given, &sub, &mut attributes)?;
        attrs::check_required(&pool.pool, &attributes)?;
        // The modular exponentiation stays off the store's writer.
        let verifier = password.map(|p| srp::verifier(&pool.id, &username, p));
        let status = if reset_required {
            UserStatusType::RESET_REQUIRED
        } else {
            UserStatusType::CONFIRMED
        };
        let (cache, pool_id) = (self.pool_cache(), pool.id.clone());
        let created = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let key = pool.fold(&username);
                if user::get(c, &pool.id, &key)?.is_some() {
                    return Err(fail(
                        ErrorCode::UsernameExistsException,
                        "User account already exists",
                    ));
                }
                let doc = UserDoc {
                    attributes: attributes.clone(),
                    password: verifier.clone().map(|verifier| StoredPassword {
                        verifier,
                        temporary: false,
                        set_at: now(),
                        expires_at: None,
                    }),
                    mfa: MfaSettings::default(),
                    links: Vec::new(),
                };
                let row = super::create::insert_new_user(
                    c,
                    &pool,
                    (key, &username, &sub),
                    status.clone(),
                    &doc,
                    force_alias_creation,
                )?;
                // The welcome message new users get (the pool's invitation), unless the
                // function suppressed it; the user keeps their own password, so none is
                // in it.
                let mut effects = Effects::default();
                if !suppress {
                    send_invitation(&mut effects, &pool, &row.username, &doc, &mediums, "");
                }
                Ok(((row, doc), effects))
            })
            .await?;
        let (created, effects) = created;
        self.after_commit(effects.for_client(Some(client_id), metadata))
            .await?;
        Ok(Some(created))
    }
}
