//! Identifiers shaped like AWS's.

use rand::Rng;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Lower-case base32hex, the alphabet of Cognito's client ids and secrets.
const BASE32HEX: &[u8] = b"0123456789abcdefghijklmnopqrstuv";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// `us-east-1_AbC123xyZ`.
pub fn user_pool_id(region: &str) -> String {
    format!("{region}_{}", random_from(ALNUM, 9))
}

/// 26 characters of lower-case base32hex.
pub fn client_id() -> String {
    random_from(BASE32HEX, 26)
}

/// `import-` and 10 letters and digits, as AWS's `import-TZqNQvDRnW`.
pub fn user_import_job_id() -> String {
    format!("import-{}", random_from(ALNUM, 10))
}

/// 51 characters of lower-case base32hex.
pub fn client_secret() -> String {
    random_from(BASE32HEX, 51)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        let id = user_pool_id("eu-west-1");
        assert!(id.starts_with("eu-west-1_"));
        assert_eq!(id.len(), "eu-west-1_".len() + 9);
        assert!(id["eu-west-1_".len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
        let c = client_id();
        assert_eq!(c.len(), 26);
        assert!(c.bytes().all(|b| BASE32HEX.contains(&b)));
        assert_eq!(client_secret().len(), 51);
        assert_ne!(client_id(), client_id());
        let job = user_import_job_id();
        assert!(job.starts_with("import-") && job.len() == 17, "{job}");
    }
}
