//! The master key that seals secrets at rest: given, or kept in the data directory
//! (SQLite), or in the database (PostgreSQL, shared by every node).

use crate::config::ServeConfig;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cognate_domain::SecretBox;
use cognate_store::{Engine, Store, StoreError};

pub fn load(config: &ServeConfig, store: &Store) -> Result<SecretBox, String> {
    let encoded = match &config.master_key {
        Some(k) => k.clone(),
        None => match store.engine() {
            Engine::Sqlite => from_file(&config.data.join("master.key"))?,
            Engine::Postgres => from_database(store)?,
        },
    };
    let bytes = B64
        .decode(encoded.trim())
        .map_err(|_| "the master key is not valid base64".to_string())?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "the master key must be 32 bytes (base64-encoded)".to_string())?;
    Ok(SecretBox::new(&key))
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

#[cfg(unix)]
fn restrict(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

fn from_database(store: &Store) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(cognate_domain::master_key::load_or_create(store))
        .map_err(|e: StoreError| format!("cannot read the master key from the database: {e}"))
}
