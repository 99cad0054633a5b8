//! USER_SRP_AUTH → PASSWORD_VERIFIER, as Cognito runs SRP-6a; an unknown user gets a
//! decoy challenge when the client hides which users exist.

use super::*;
use crate::clock::now;
use crate::crypto::srp::{self, constant_time_eq};
use crate::error::{invalid, Result};
use crate::messages::codes;
use crate::pools::client::AuthClient;
use crate::service::Service;
use crate::users::{self as user};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::ChallengeNameType;
use num_bigint::BigUint;
use std::collections::BTreeMap;

impl Service {
    /// USER_SRP_AUTH: answers the client's A with the PASSWORD_VERIFIER challenge.
    pub(super) async fn srp_flow(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        self.srp_challenge(client, params, None).await
    }

    /// The PASSWORD_VERIFIER challenge for the client's A; `custom` is the history of
    /// a CUSTOM_AUTH sign-in whose DefineAuthChallenge asked for it (the flow goes
    /// back there once the password is proven).
    pub(super) async fn srp_challenge(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
        custom: Option<Vec<crate::triggers::ChallengeResult>>,
    ) -> Result<Outcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let srp_a = params.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
        // A must be below N and not a multiple of it (RFC 5054 §2.5.4 refuses A mod N =
        // 0; an unreduced A would let a client pick among values equal mod N).
        let a = BigUint::parse_bytes(srp_a.as_bytes(), 16)
            .filter(|a| *a < *srp::N && a.bits() > 0)
            .ok_or_else(|| invalid("SRP_A is not a valid value."))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let b = srp::private_b();
        let (mut state, salt, verifier) = match &ctx.user {
            Some((row, doc)) => {
                check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
                self.before_sign_in(&client, &ctx.pool, username, Some((row, doc)))
                    .await?;
                // A client hiding which users exist says so only to the right password.
                if !row.enabled && !prevents_existence_errors(&client) {
                    return Err(not_authorized("User is disabled."));
                }
                let Some(password) = &doc.password else {
                    super::sign_in::reset_without_password(&client, row, doc)?;
                    return Err(incorrect());
                };
                (
                    self.new_challenge(
                        &client,
                        &row.username,
                        ChallengeNameType::PASSWORD_VERIFIER,
                    ),
                    password.verifier.salt.clone(),
                    password.verifier.verifier.clone(),
                )
            }
            None => {
                check_secret_hash(&client, &[username], secret_hash)?;
                if !prevents_existence_errors(&client) {
                    return Err(user::user_not_found());
                }
                self.before_sign_in(&client, &ctx.pool, username, None)
                    .await?;
                // A challenge indistinguishable from a real one, that no answer passes:
                // the same salt and name each time, as a real user's, for the same work.
                let decoy = self.decoy_verifier(&ctx.pool, username);
                let (name, _) = self.decoy_identity(&ctx.pool, username);
                let mut state =
                    self.new_challenge(&client, &name, ChallengeNameType::PASSWORD_VERIFIER);
                state.fake = true;
                (state, decoy.salt, decoy.verifier)
            }
        };
        let big_b = srp::public_b(&verifier, &b);
        state.srp_a = Some(STANDARD.encode(a.to_bytes_be()));
        state.srp_big_b = Some(STANDARD.encode(big_b.to_bytes_be()));
        state.srp_b = Some(STANDARD.encode(b.to_bytes_be()));
        state.custom = custom;
        let secret_block = STANDARD.encode(self.seal_challenge(&state)?);
        let mut out = BTreeMap::new();
        out.insert("SALT".to_string(), salt);
        out.insert("SECRET_BLOCK".to_string(), secret_block);
        out.insert("SRP_B".to_string(), big_b.to_str_radix(16));
        out.insert("USERNAME".to_string(), state.username.clone());
        out.insert("USER_ID_FOR_SRP".to_string(), state.username.clone());
        Ok(Outcome {
            challenge_name: Some(ChallengeNameType::PASSWORD_VERIFIER),
            challenge_parameters: Some(out),
            ..Outcome::default()
        })
    }

    /// PASSWORD_VERIFIER: checks PASSWORD_CLAIM_SIGNATURE against the key derived from
    /// the exchange.
    pub(super) async fn answer_password_verifier(
        &self,
        client: AuthClient,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let get = |name: &str| responses.get(name).ok_or_else(|| missing(name));
        let username = get("USERNAME")?;
        let block = get("PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = get("PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = get("TIMESTAMP")?;
        check_timestamp(timestamp, now())?;
        let sealed = STANDARD
            .decode(block)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| not_authorized("Invalid session for the user."))?;
        let state = self.open_challenge(&sealed, &client)?;
        if state.name != ChallengeNameType::PASSWORD_VERIFIER {
            return Err(not_authorized("Invalid session for the user."));
        }
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), state.username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let consumed = Some((codes::hash(&sealed), state.expires_at));
        let Some((row, doc)) = ctx.user.as_ref().filter(|_| !state.fake) else {
            check_secret_hash(&client, &[username], secret_hash)?;
            if !prevents_existence_errors(&client) {
                return Err(user::user_not_found());
            }
            // As a real user's wrong answer: the check is reserved under the decoy's
            // key, costs one key derivation (against B in place of a verifier), fails.
            let key = ctx.pool.fold(&state.username);
            let attempt = self.reserve_sign_in(&ctx.pool.id, &key, consumed).await?;
            if let (Some(a), Some(big_b), Some(b)) =
                (big(&state.srp_a), big(&state.srp_big_b), big(&state.srp_b))
            {
                let stand_in = big_b.to_str_radix(16);
                std::hint::black_box(srp::password_key(&a, &big_b, &b, &stand_in));
            }
            return Err(self.fail_attempt(attempt).await);
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        if !row.enabled && !prevents_existence_errors(&client) {
            return Err(not_authorized("User is disabled."));
        }
        // The device is checked before the challenge is used up: a client told it is
        // unknown answers again without it.
        let device = self
            .named_device(&ctx.pool, row, responses.get("DEVICE_KEY"))
            .await?;
        let attempt = self
            .reserve_sign_in(&ctx.pool.id, &row.username_key, consumed)
            .await?;
        let claimed = STANDARD.decode(signature).unwrap_or_default();
        let ok = match (
            &doc.password,
            big(&state.srp_a),
            big(&state.srp_big_b),
            big(&state.srp_b),
        ) {
            (Some(p), Some(a), Some(big_b), Some(b)) => {
                srp::password_key(&a, &big_b, &b, &p.verifier.verifier).is_some_and(|key| {
                    let expected = srp::claim_signature(
                        &key,
                        &ctx.pool.id,
                        &row.username,
                        block_bytes(block).as_slice(),
                        timestamp,
                    );
                    constant_time_eq(&expected, &claimed)
                })
            }
            _ => false,
        };
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
        if let Some(mut history) = state.custom.clone() {
            // A custom sign-in: DefineAuthChallenge decides what follows the password.
            self.pass_attempt(attempt).await?;
            history.push(crate::triggers::ChallengeResult {
                name: "PASSWORD_VERIFIER".into(),
                result: true,
                metadata: None,
            });
            let metadata = client.client_metadata.clone();
            let at = super::custom_flow::CustomStep {
                pool: &ctx.pool,
                user: Some((row, doc)),
                username: &row.username,
                history,
                consumed: None,
                metadata: metadata.as_ref(),
            };
            return self.custom_next(client, at, None).await;
        }
        self.password_proven(&client, &ctx.pool, (row, doc), attempt, device)
            .await
    }
}

/// How far PASSWORD_VERIFIER's TIMESTAMP may be from the server's clock. AWS does not
/// document a tolerance; this refuses only timestamps more than 15 minutes off (the
/// signature over the timestamp is what proves the password; this only stops an old
/// answer being replayed with a new challenge's state, and devices' clocks drift).
const TIMESTAMP_TOLERANCE_SECONDS: f64 = 15.0 * 60.0;

/// Checks PASSWORD_VERIFIER's TIMESTAMP: well formed, and within the tolerance of `now`.
pub(super) fn check_timestamp(timestamp: &str, now: f64) -> Result<()> {
    let Some(t) = parse_timestamp(timestamp) else {
        // AWS's wording for a malformed TIMESTAMP.
        return Err(invalid(
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
        ));
    };
    if (t - now).abs() > TIMESTAMP_TOLERANCE_SECONDS {
        return Err(invalid(
            "TIMESTAMP is too far from the current time; check the client's clock.",
        ));
    }
    Ok(())
}

/// Seconds since the epoch of a TIMESTAMP in AWS's form, Java's
/// `EEE MMM d HH:mm:ss z yyyy` in English in UTC: `Tue Sep 25 00:09:40 UTC 2018`.
/// amazon-cognito-identity-js and Amplify write the day unpadded (`Wed Sep 5 ...`),
/// pycognito too (it strips the zero `%d` gives); a zero-padded day is taken as well.
fn parse_timestamp(s: &str) -> Option<f64> {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split(' ').collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return None;
    };
    let number = |digits: &str, min_len: usize, max_len: usize| -> Option<i64> {
        (digits.len() >= min_len
            && digits.len() <= max_len
            && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
    };
    if !WEEKDAYS.contains(weekday) || *zone != "UTC" {
        return None;
    }
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let day = number(day, 1, 2).filter(|d| (1..=31).contains(d))?;
    let year = number(year, 4, 4)?;
    let hms: Vec<&str> = time.split(':').collect();
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    let h = number(h, 2, 2).filter(|h| *h < 24)?;
    let m = number(m, 2, 2).filter(|m| *m < 60)?;
    let sec = number(sec, 2, 2).filter(|s| *s < 61)?;
    // Days since 1970-01-01 of the civil date (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some((days * 86_400 + h * 3600 + m * 60 + sec) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_the_forms_clients_write_parse() {
        // 2018-09-25T00:09:40Z and 2018-09-05T00:09:40Z.
        assert_eq!(
            parse_timestamp("Tue Sep 25 00:09:40 UTC 2018"),
            Some(1_537_834_180.0)
        );
        assert_eq!(
            parse_timestamp("Wed Sep 5 00:09:40 UTC 2018"),
            Some(1_536_106_180.0)
        );
        assert_eq!(
            parse_timestamp("Wed Sep 05 00:09:40 UTC 2018"),
            Some(1_536_106_180.0)
        );
        assert_eq!(
            parse_timestamp("Thu Feb 29 23:59:59 UTC 2024"),
            Some(1_709_251_199.0)
        );
        assert_eq!(parse_timestamp("Thu Jan 1 00:00:00 UTC 1970"), Some(0.0));
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for bad in [
            "",
            "2018-09-25T00:09:40Z",
            "Tue Sep 25 00:09:40 UTC 2018 ",
            "Tue Sep  5 00:09:40 UTC 2018",
            "Tue September 25 00:09:40 UTC 2018",
            "Tue Sep 25 00:09:40 +05:30 2018",
            "Tue Sep 25 0:09:40 UTC 2018",
            "Tue Sep 25 15:56:9 UTC 2018",
            "Tue Sep 32 00:09:40 UTC 2018",
            "Tue Sep 25 24:00:00 UTC 2018",
            "Xyz Sep 25 00:09:40 UTC 2018",
            "Tue Sep 25 00:09:40 UTC 18",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn timestamps_far_from_now_are_refused() {
        let t = parse_timestamp("Tue Sep 25 00:09:40 UTC 2018").expect("parses");
        assert!(check_timestamp("Tue Sep 25 00:09:40 UTC 2018", t + 14.0 * 60.0).is_ok());
        assert!(check_timestamp("Tue Sep 25 00:09:40 UTC 2018", t - 14.0 * 60.0).is_ok());
        assert!(check_timestamp("Tue Sep 25 00:09:40 UTC 2018", t + 16.0 * 60.0).is_err());
        assert!(check_timestamp("Tue Sep 25 00:09:40 UTC 2018", t - 16.0 * 60.0).is_err());
        assert!(check_timestamp("not a timestamp", t).is_err());
    }
}
