//! `provisioned_limits`: request-rate limits raised with UpdateProvisionedLimit, per
//! region and category (requests per second). A category without a row has its default.

use crate::{params, Conn, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionedLimitRow {
    pub region: String,
    pub category: String,
    pub value: i64,
}

/// Sets a category's limit in a region.
pub fn put(conn: &mut dyn Conn, row: &ProvisionedLimitRow, at: f64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO provisioned_limits (region, category, value, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (region, category) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![&row.region, &row.category, row.value, at],
    )?;
    Ok(())
}

pub fn get(conn: &mut dyn Conn, region: &str, category: &str) -> Result<Option<i64>, StoreError> {
    conn.query_opt(
        "SELECT value FROM provisioned_limits WHERE region = $1 AND category = $2",
        params![region, category],
    )?
    .map(|r| r.int(0))
    .transpose()
}

/// Every raised limit (a handful of rows: regions × categories).
pub fn all(conn: &mut dyn Conn) -> Result<Vec<ProvisionedLimitRow>, StoreError> {
    conn.query(
        "SELECT region, category, value FROM provisioned_limits ORDER BY region, category",
        params![],
    )?
    .iter()
    .map(|r| {
        Ok(ProvisionedLimitRow {
            region: r.text(0)?,
            category: r.text(1)?,
            value: r.int(2)?,
        })
    })
    .collect()
}
