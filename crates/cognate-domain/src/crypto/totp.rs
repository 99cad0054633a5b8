//! Time-based one-time passwords as authenticator apps compute them (RFC 6238 over
//! RFC 4226's HOTP): HMAC-SHA-1, six digits, 30-second steps, the secret shared as
//! unpadded base32 (RFC 4648). A code is accepted one step either side of the server's
//! clock, and only for a step after the last one accepted, so that no code is
//! accepted twice.

use crate::crypto::srp::constant_time_eq;
use aws_lc_rs::hmac;
use rand::RngCore;

/// The length of a step, in seconds.
pub const STEP_SECONDS: u64 = 30;
/// Steps accepted either side of the current one (clock drift, a code typed late).
const SKEW_STEPS: u64 = 1;
/// Random bytes of a secret: 256 bits, 52 base32 characters, as AWS's SecretCode.
const SECRET_BYTES: usize = 32;
const DIGITS: u32 = 6;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new random secret, in base32 as AssociateSoftwareToken's SecretCode gives it.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4648 base32, case-insensitive, padding and spaces ignored; None if malformed.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let value = BASE32.iter().position(|x| *x == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// RFC 4226's HOTP: the `digits`-digit code of `key` for `counter`.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key),
        &counter.to_be_bytes(),
    );
    let mac = tag.as_ref();
    let offset = (mac[mac.len() - 1] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff;
    let modulus = 10u64.pow(digits);
    format!(
        "{:0width$}",
        u64::from(binary) % modulus,
        width = digits as usize
    )
}

/// The step `unix_seconds` falls in.
pub fn step_at(unix_seconds: f64) -> u64 {
    (unix_seconds.max(0.0) as u64) / STEP_SECONDS
}

/// The six-digit code of `key` for `step`.
pub fn code_at(key: &[u8], step: u64) -> String {
    hotp(key, step, DIGITS)
}

/// The step whose code `code` is, among those within the skew of `now`'s and after
/// `last_used` (the step of the last code accepted, if any); None if there is none.
pub fn verify(key: &[u8], code: &str, now: f64, last_used: Option<u64>) -> Option<u64> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    let mut matched = None;
    // Every candidate is computed and compared, so the time taken says nothing of which
    // (if any) matched.
    for step in current.saturating_sub(SKEW_STEPS)..=current + SKEW_STEPS {
        let fresh = last_used.is_none_or(|last| step > last);
        if constant_time_eq(code_at(key, step).as_bytes(), code.as_bytes()) && fresh {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, the SHA-1 rows (the 20-byte ASCII key "1234567890...").
    #[test]
    fn rfc_6238_test_vectors() {
        let key = b"12345678901234567890";
        for (time, expected) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = step_at(time as f64);
            assert_eq!(hotp(key, step, 8), expected, "T = {time}");
            // Six digits are the last six of the same number.
            assert_eq!(code_at(key, step), expected[2..], "T = {time}");
        }
    }

    /// RFC 4226 appendix D.
    #[test]
    fn rfc_4226_test_vectors() {
        let key = b"12345678901234567890";
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(key, counter as u64, 6), *code);
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(
            base32_decode("MZXW6YTBOI======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("mzxw6ytboi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(base32_decode("MZ1"), None);
        let secret = generate_secret();
        assert_eq!(secret.len(), 52);
        assert!(secret.bytes().all(|b| BASE32.contains(&b)));
        assert_eq!(base32_decode(&secret).map(|b| b.len()), Some(32));
        assert_ne!(generate_secret(), secret);
    }

    #[test]
    fn codes_are_accepted_one_step_either_side_and_never_twice() {
        let key = b"12345678901234567890";
        let now = 1_111_111_111.0;
        let step = step_at(now);
        for s in [step - 1, step, step + 1] {
            assert_eq!(verify(key, &code_at(key, s), now, None), Some(s));
        }
        for s in [step - 2, step + 2] {
            assert_eq!(verify(key, &code_at(key, s), now, None), None);
        }
        let code = code_at(key, step);
        assert_eq!(verify(key, &code, now, Some(step)), None, "replayed");
        assert_eq!(
            verify(key, &code, now, Some(step + 1)),
            None,
            "older than the last"
        );
        assert_eq!(verify(key, &code, now, Some(step - 1)), Some(step));
        assert_eq!(verify(key, "12345", now, None), None);
        assert_eq!(verify(key, "abcdef", now, None), None);
        assert_eq!(verify(b"another key", &code, now, None), None);
    }
}
