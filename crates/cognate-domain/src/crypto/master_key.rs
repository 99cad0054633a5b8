//! The master key kept in the database, where every node sharing it finds the same one.

use crate::crypto::secret_box::SecretBox;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cognate_store::records::service_setting;
use cognate_store::{Store, StoreError};

const SETTING: &str = "master_key";

/// The stored master key (base64), or a new random one stored now if there is none;
/// nodes starting together all get the one stored first.
pub async fn load_or_create(store: &Store) -> Result<String, StoreError> {
    let candidate = B64.encode(SecretBox::generate_key());
    store
        .write(move |c| service_setting::get_or_insert(c, SETTING, &candidate))
        .await
}
