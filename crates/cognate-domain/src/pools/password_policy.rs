//! A pool's password policy: checking a password against it with AWS's messages, and
//! generating temporary passwords that satisfy it.

use crate::error::{fail, Result};
use cognate_api::types::PasswordPolicyType;
use cognate_api::ErrorCode;
use rand::seq::SliceRandom;
use rand::Rng;

/// The characters Cognito counts as symbols.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

pub fn check(policy: &PasswordPolicyType, password: &str) -> Result<()> {
    let refuse = |why: &str| {
        Err(fail(
            ErrorCode::InvalidPasswordException,
            format!("Password did not conform with policy: {why}"),
        ))
    };
    let min = usize::try_from(policy.minimum_length.unwrap_or(8)).unwrap_or(8);
    if password.chars().count() < min {
        return refuse("Password not long enough");
    }
    if policy.require_uppercase == Some(true) && !password.chars().any(|c| c.is_uppercase()) {
        return refuse("Password must have uppercase characters");
    }
    if policy.require_lowercase == Some(true) && !password.chars().any(|c| c.is_lowercase()) {
        return refuse("Password must have lowercase characters");
    }
    if policy.require_numbers == Some(true) && !password.chars().any(|c| c.is_ascii_digit()) {
        return refuse("Password must have numeric characters");
    }
    if policy.require_symbols == Some(true) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return refuse("Password must have symbol characters");
    }
    Ok(())
}

/// A random password meeting `policy` (at least 12 characters, one of every class).
pub fn temporary(policy: &PasswordPolicyType) -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    const SYMS: &[u8] = b"!#%&*+-=?@^_";
    let mut rng = rand::rng();
    let len = usize::try_from(policy.minimum_length.unwrap_or(8))
        .unwrap_or(8)
        .max(12);
    let mut chars: Vec<u8> = [UPPER, LOWER, DIGITS, SYMS]
        .iter()
        .map(|set| set[rng.random_range(0..set.len())])
        .collect();
    let all: Vec<u8> = [UPPER, LOWER, DIGITS, SYMS].concat();
    while chars.len() < len {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    chars.shuffle(&mut rng);
    String::from_utf8(chars).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_policy() -> PasswordPolicyType {
        PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn each_rule_has_aws_s_message() {
        let p = default_policy();
        let msg = |pw: &str| check(&p, pw).err().map(|e| e.0.message).unwrap_or_default();
        assert_eq!(
            msg("Aa1!"),
            "Password did not conform with policy: Password not long enough"
        );
        assert_eq!(
            msg("aaaaaaa1!"),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert_eq!(
            msg("AAAAAAA1!"),
            "Password did not conform with policy: Password must have lowercase characters"
        );
        assert_eq!(
            msg("AAAAaaaa!"),
            "Password did not conform with policy: Password must have numeric characters"
        );
        assert_eq!(
            msg("AAAAaaaa1"),
            "Password did not conform with policy: Password must have symbol characters"
        );
        assert!(check(&p, "Passw0rd!").is_ok());
    }

    #[test]
    fn temporary_passwords_meet_the_policy() {
        let p = PasswordPolicyType {
            minimum_length: Some(20),
            ..default_policy()
        };
        for _ in 0..100 {
            let pw = temporary(&p);
            assert!(check(&p, &pw).is_ok(), "{pw}");
        }
    }
}
