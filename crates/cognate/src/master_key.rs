//! The master key that seals secrets at rest: given (a file named by --master-key-file,
//! or COGNATE_MASTER_KEY), or on SQLite kept in the data directory's `master.key`.
//! PostgreSQL requires a given key: the database must not hold the key protecting it.

use crate::config::{ServeConfig, MASTER_KEY_ENV};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cognate_domain::SecretBox;
use cognate_store::{Engine, Store, StoreError};

pub fn load(config: &ServeConfig, store: &Store) -> Result<SecretBox, String> {
    let given = given(config)?;
    let key = match store.engine() {
        Engine::Sqlite => match given {
            Some(key) => key,
            None => decode(&from_file(&config.data.join("master.key"))?, "master.key")?,
        },
        Engine::Postgres => on_postgres(given, store)?,
    };
    Ok(SecretBox::new(&key))
}

/// The key from --master-key-file or COGNATE_MASTER_KEY (not both).
fn given(config: &ServeConfig) -> Result<Option<[u8; 32]>, String> {
    match (&config.master_key_file, config.master_key_from_env()) {
        (Some(_), Some(_)) => Err(format!(
            "give the master key either in a file (--master-key-file) or in {MASTER_KEY_ENV}, not both"
        )),
        (Some(path), None) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the master key file {}: {e}", path.display()))?;
            decode(&text, &path.display().to_string()).map(Some)
        }
        (None, Some(text)) => decode(&text, MASTER_KEY_ENV).map(Some),
        (None, None) => Ok(None),
    }
}

fn decode(encoded: &str, source: &str) -> Result<[u8; 32], String> {
    let bytes = B64
        .decode(encoded.trim())
        .map_err(|_| format!("the master key in {source} is not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| format!("the master key in {source} must be 32 bytes, base64-encoded"))
}

/// The given key, checked against one an earlier version may have stored in the
/// database: that one is never used on its own, and must be moved out.
fn on_postgres(given: Option<[u8; 32]>, store: &Store) -> Result<[u8; 32], String> {
    let stored = stored_in_database(store)?;
    let setting = cognate_domain::master_key::SETTING;
    let move_out = format!(
        "move it out of the database:\n\
         \n  1. save it, readable only by the user running cognate:\n\
         \n       (umask 077; psql \"$COGNATE_DATABASE_URL\" -Atc \"SELECT value FROM service_settings WHERE key = '{setting}'\" > master.key)\n\
         \n  2. start cognate with --master-key-file master.key (or put the key in {MASTER_KEY_ENV} from a secret store);\n\
         \n  3. delete it from the database:\n\
         \n       psql \"$COGNATE_DATABASE_URL\" -c \"DELETE FROM service_settings WHERE key = '{setting}'\"\n\
         \n(use the same URL, search_path included, as --database-url)"
    );
    match (given, stored) {
        (None, None) => Err(format!(
            "on PostgreSQL the master key must be given: put it in a file named by \
             --master-key-file (COGNATE_MASTER_KEY_FILE) or in {MASTER_KEY_ENV}. A new key: \
             head -c 32 /dev/urandom | base64"
        )),
        (None, Some(_)) => Err(format!(
            "this database holds the master key that protects it (an earlier version \
             generated it there); it is no longer used from there. To keep your data, {move_out}"
        )),
        (Some(key), Some(stored)) => {
            if decode(&stored, "the database").ok() != Some(key) {
                return Err(format!(
                    "the database holds a master key different from the one given, so the \
                     secrets sealed under it would not open. If the stored one is the right \
                     key, {move_out}"
                ));
            }
            tracing::warn!(
                "the master key is still stored in the database it protects; delete it: \
                 psql \"$COGNATE_DATABASE_URL\" -c \"DELETE FROM service_settings WHERE key = '{setting}'\""
            );
            Ok(key)
        }
        (Some(key), None) => Ok(key),
    }
}

fn from_file(path: &std::path::Path) -> Result<String, String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        // A key file written by hand or by an older version may be readable by others.
        restrict(path).map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
        return Ok(existing);
    }
    let key = B64.encode(SecretBox::generate_key());
    write_private(path, &key).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(key)
}

#[cfg(unix)]
fn restrict(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

fn stored_in_database(store: &Store) -> Result<Option<String>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(cognate_domain::master_key::stored(store))
        .map_err(|e: StoreError| format!("cannot read the database's settings: {e}"))
}
