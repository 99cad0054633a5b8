//! What cognate leaves on disk and what it needs to start: private file modes, and the
//! master key's sources.

mod common;

use common::{Backend, Server};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A new data directory is 0700 and the database files and the master key are 0600,
/// whatever the umask.
#[cfg(unix)]
#[test]
fn a_new_data_directory_and_its_files_are_private() {
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = parent.path().join("data");
    let server = Server::start(&Backend::Sqlite(dir.clone()));
    let created = server.call("CreateUserPool", r#"{"PoolName":"p"}"#);
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(mode(&dir), 0o700);
    for file in [
        "cognate.db",
        "cognate.db-wal",
        "cognate.db-shm",
        "master.key",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

/// A data directory and key file made by an earlier version, readable by others, are
/// tightened at start.
#[cfg(unix)]
#[test]
fn an_existing_data_directory_is_tightened() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = parent.path().join("data");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let key = dir.join("master.key");
    std::fs::write(&key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let db = dir.join("cognate.db");
    std::fs::write(&db, "").expect("db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let server = Server::start(&Backend::Sqlite(dir.clone()));
    let created = server.call("CreateUserPool", r#"{"PoolName":"p"}"#);
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(mode(&dir), 0o700);
    for file in [
        "cognate.db",
        "cognate.db-wal",
        "cognate.db-shm",
        "master.key",
    ] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}
