//! Threat protection's settings: SetRiskConfiguration and DescribeRiskConfiguration, for
//! the pool or one of its app clients (a client's configuration, where it has one,
//! stands in place of the pool's). Set needs threat protection on
//! (UserPoolAddOns.AdvancedSecurityMode AUDIT or ENFORCED, which needs the Plus plan).
//! The IP ranges are CIDR blocks; in ENFORCED mode a sign-in from a blocked range is
//! refused before any password or challenge is checked (`Service::check_blocked_ip`,
//! called as a sign-in starts), unless the address is also in the skipped ranges.
//! Kept as pool objects of kind `risk_configuration`: `pool`, or the client id.

use crate::clock::now;
use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pools::client::ensure_exists;
use crate::pools::pool::load as load_pool;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::Conn;
use std::net::IpAddr;

operation!(SetRiskConfiguration => Service::set_risk_configuration);
operation!(DescribeRiskConfiguration => Service::describe_risk_configuration);

const POOL_KEY: &str = "pool";

/// An IPv4 or IPv6 CIDR block (`192.0.2.0/24`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    bits: u8,
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (addr, bits) = s.split_once('/')?;
        let network: IpAddr = addr.parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        (bits <= max).then_some(Cidr { network, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn in_ranges(ranges: Option<&Vec<String>>, ip: IpAddr) -> bool {
    ranges
        .into_iter()
        .flatten()
        .filter_map(|r| Cidr::parse(r))
        .any(|c| c.contains(ip))
}

fn check_ranges(name: &str, ranges: Option<&Vec<String>>) -> Result<()> {
    for r in ranges.into_iter().flatten() {
        if Cidr::parse(r).is_none() {
            return Err(invalid(format!(
                "{name} has an invalid CIDR block: {r}. Use a form such as 192.0.2.0/24."
            )));
        }
    }
    Ok(())
}

pub(crate) fn mode(pool: &UserPoolType) -> AdvancedSecurityModeType {
    pool.user_pool_add_ons
        .as_ref()
        .and_then(|a| a.advanced_security_mode.clone())
        .unwrap_or(AdvancedSecurityModeType::OFF)
}

/// The configuration that applies to `client_id`: its own, else the pool's.
pub(crate) fn effective(
    c: &mut dyn Conn,
    pool_id: &str,
    client_id: Option<&str>,
) -> Result<Option<RiskConfigurationType>> {
    if let Some(id) = client_id {
        if let Some(row) = pool_object::get(c, pool_id, Kind::RiskConfiguration, id)? {
            return Ok(Some(from_doc(&row.doc)?));
        }
    }
    pool_object::get(c, pool_id, Kind::RiskConfiguration, POOL_KEY)?
        .map(|row| from_doc(&row.doc))
        .transpose()
}

impl Service {
    /// As a sign-in starts: in ENFORCED mode, an address in the blocked ranges (and not
    /// in the skipped ones) is refused.
    pub(crate) async fn check_blocked_ip(
        &self,
        pool: &PoolView,
        client_id: Option<&str>,
        ip: Option<&str>,
    ) -> Result<()> {
        if mode(&pool.pool) != AdvancedSecurityModeType::ENFORCED {
            return Ok(());
        }
        let Some(ip) = ip.and_then(|i| i.parse::<IpAddr>().ok()) else {
            return Ok(());
        };
        let (pool_id, client_id) = (pool.id.clone(), client_id.map(str::to_string));
        let config = self
            .store()
            .read(move |c| effective(c, &pool_id, client_id.as_deref()))
            .await?;
        let Some(exceptions) = config.and_then(|c| c.risk_exception_configuration) else {
            return Ok(());
        };
        if in_ranges(exceptions.blocked_ip_range_list.as_ref(), ip)
            && !in_ranges(exceptions.skipped_ip_range_list.as_ref(), ip)
        {
            return Err(fail(
                ErrorCode::NotAuthorizedException,
                "Request not allowed due to security reasons.",
            ));
        }
        Ok(())
    }

    pub(crate) async fn set_risk_configuration(
        &self,
        input: SetRiskConfigurationRequest,
    ) -> Result<SetRiskConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        if let Some(e) = &input.risk_exception_configuration {
            check_ranges("BlockedIPRangeList", e.blocked_ip_range_list.as_ref())?;
            check_ranges("SkippedIPRangeList", e.skipped_ip_range_list.as_ref())?;
        }
        let config = RiskConfigurationType {
            user_pool_id: Some(pool_id.clone()),
            client_id: input.client_id.clone(),
            compromised_credentials_risk_configuration: input
                .compromised_credentials_risk_configuration,
            account_takeover_risk_configuration: input.account_takeover_risk_configuration,
            risk_exception_configuration: input.risk_exception_configuration,
            last_modified_date: Some(now()),
        };
        let stored = config.clone();
        self.store()
            .write(move |c| {
                let (_, pool) = load_pool(c, &pool_id)?;
                if let Some(id) = &stored.client_id {
                    ensure_exists(c, &pool_id, id)?;
                }
                if mode(&pool) == AdvancedSecurityModeType::OFF {
                    return Err(fail(
                        ErrorCode::UserPoolAddOnNotEnabledException,
                        "Threat protection is not enabled for the user pool: set UserPoolAddOns' AdvancedSecurityMode to AUDIT or ENFORCED.",
                    ));
                }
                let key = stored.client_id.clone().unwrap_or_else(|| POOL_KEY.to_string());
                pool_object::put(
                    c,
                    &pool_id,
                    Kind::RiskConfiguration,
                    &PoolObjectRow {
                        key,
                        created_at: now(),
                        doc: to_doc(&stored)?,
                    },
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(SetRiskConfigurationResponse {
            risk_configuration: Some(config),
        })
    }

    pub(crate) async fn describe_risk_configuration(
        &self,
        input: DescribeRiskConfigurationRequest,
    ) -> Result<DescribeRiskConfigurationResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = input.client_id.clone();
        let (p, cl) = (pool_id.clone(), client_id.clone());
        let found = self
            .store()
            .read(move |c| {
                load_pool(c, &p)?;
                if let Some(id) = &cl {
                    ensure_exists(c, &p, id)?;
                }
                effective(c, &p, cl.as_deref())
            })
            .await?;
        Ok(DescribeRiskConfigurationResponse {
            risk_configuration: Some(found.unwrap_or(RiskConfigurationType {
                user_pool_id: Some(pool_id),
                client_id,
                ..Default::default()
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_contain_their_addresses() {
        let c = Cidr::parse("192.0.2.0/24").expect("cidr");
        assert!(c.contains("192.0.2.77".parse().expect("ip")));
        assert!(!c.contains("192.0.3.1".parse().expect("ip")));
        let all = Cidr::parse("0.0.0.0/0").expect("cidr");
        assert!(all.contains("203.0.113.9".parse().expect("ip")));
        let one = Cidr::parse("127.0.0.1/32").expect("cidr");
        assert!(one.contains("127.0.0.1".parse().expect("ip")));
        assert!(!one.contains("127.0.0.2".parse().expect("ip")));
        let v6 = Cidr::parse("2001:db8::/32").expect("cidr");
        assert!(v6.contains("2001:db8::1".parse().expect("ip")));
        assert!(!v6.contains("192.0.2.1".parse().expect("ip")));
        for bad in ["192.0.2.0", "192.0.2.0/33", "x/8", "2001:db8::/129", ""] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }
}
