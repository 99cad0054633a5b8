//! The master key that earlier versions generated into the PostgreSQL database it
//! protects. It is no longer created there; one found there must be moved out.

use cognate_store::records::service_setting;
use cognate_store::{Store, StoreError};

/// The `service_settings` key under which older versions stored the master key.
pub const SETTING: &str = "master_key";

/// The master key (base64) stored in the database by an older version, if any.
pub async fn stored(store: &Store) -> Result<Option<String>, StoreError> {
    store.read(|c| service_setting::get(c, SETTING)).await
}
