//! How long a client's tokens live, in its TokenValidityUnits.

use cognate_api::types::*;

/// How long each token of a client lives, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub access: i64,
    pub id: i64,
    pub refresh: i64,
}

use crate::pools::client::seconds;

/// The client's token validity: AccessTokenValidity and IdTokenValidity in
/// TokenValidityUnits (hours unless set; 60 minutes when not given at all),
/// RefreshTokenValidity in its unit (days unless set; 30 days when not given).
pub fn validity(client: &UserPoolClientType) -> Validity {
    let units = client.token_validity_units.clone().unwrap_or_default();
    let short = |v: Option<i32>, unit: Option<&TimeUnitsType>| match v {
        Some(v) => seconds(v.into(), unit.unwrap_or(&TimeUnitsType::HOURS)),
        None => 3600,
    };
    Validity {
        access: short(client.access_token_validity, units.access_token.as_ref()),
        id: short(client.id_token_validity, units.id_token.as_ref()),
        refresh: seconds(
            client
                .refresh_token_validity
                .filter(|v| *v != 0)
                .unwrap_or(30)
                .into(),
            units.refresh_token.as_ref().unwrap_or(&TimeUnitsType::DAYS),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_follows_the_clients_units() {
        let mut client = UserPoolClientType::default();
        assert_eq!(
            validity(&client),
            Validity {
                access: 3600,
                id: 3600,
                refresh: 30 * 86400
            }
        );
        client.access_token_validity = Some(5);
        client.id_token_validity = Some(2);
        client.refresh_token_validity = Some(90);
        client.token_validity_units = Some(TokenValidityUnitsType {
            access_token: Some(TimeUnitsType::MINUTES),
            id_token: None,
            refresh_token: Some(TimeUnitsType::MINUTES),
        });
        assert_eq!(
            validity(&client),
            Validity {
                access: 300,
                id: 7200,
                refresh: 5400
            }
        );
    }
}
