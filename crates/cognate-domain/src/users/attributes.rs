//! A user's attributes against the pool's schema: which names exist, which may be
//! written, value constraints by data type, required attributes, and the formats of
//! email and phone numbers.

use crate::error::{fail, invalid, Result};
use cognate_api::types::{
    AttributeDataType, AttributeType, SchemaAttributeType, UserPoolClientType, UserPoolType,
};
use cognate_api::ErrorCode;

/// The schema entry for `name` (`custom:x` also finds `dev:custom:x`).
pub fn schema_entry<'a>(pool: &'a UserPoolType, name: &str) -> Option<&'a SchemaAttributeType> {
    pool.schema_attributes
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .find(|s| {
            let n = s.name.as_deref().unwrap_or("");
            n == name || n.strip_prefix("dev:") == Some(name)
        })
}

/// The problems of the attributes of one call, reported together as AWS does: every
/// problem a line `user.<name>: <why>`, each ending in a newline.
#[derive(Default)]
struct Problems(String);

impl Problems {
    fn add(&mut self, name: &str, why: &str) {
        self.0.push_str(&format!("user.{name}: {why}\n"));
    }

    fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(invalid(format!("Invalid user attributes: {}", self.0)))
        }
    }
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !v.chars().any(char::is_whitespace)
}

/// E.164: `+` and 2 to 15 digits.
fn is_phone(v: &str) -> bool {
    v.strip_prefix('+')
        .is_some_and(|d| (2..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

/// Checks attributes a caller writes, naming every attribute with a problem. `creating`
/// allows immutable attributes (they can be set once, at creation). Boolean values are
/// accepted in any case and rewritten in their canonical lower case.
pub fn check_writes(
    pool: &UserPoolType,
    attrs: &mut [AttributeType],
    creating: bool,
) -> Result<()> {
    let mut problems = Problems::default();
    let mut format = None;
    for a in attrs.iter_mut() {
        let (name, value) = (a.name.clone().unwrap_or_default(), a.value.clone());
        let (name, value) = (name.as_str(), value.as_deref().unwrap_or(""));
        if name == "sub" {
            problems.add(name, "Cannot modify the non-mutable attribute sub.");
            continue;
        }
        let Some(entry) = schema_entry(pool, name) else {
            problems.add(name, "Attribute does not exist in the schema.");
            continue;
        };
        if !creating && entry.mutable == Some(false) {
            problems.add(
                name,
                "Attribute cannot be updated. (changing an immutable attribute)",
            );
            continue;
        }
        match entry.attribute_data_type.as_ref() {
            Some(t) if *t == AttributeDataType::BOOLEAN => {
                match ["true", "false"]
                    .into_iter()
                    .find(|b| value.eq_ignore_ascii_case(b))
                {
                    Some(canonical) => a.value = Some(canonical.to_string()),
                    None => problems.add(name, "Attribute value must be true or false."),
                }
            }
            Some(t) if *t == AttributeDataType::NUMBER => {
                let Ok(n) = value.parse::<f64>() else {
                    problems.add(name, "Attribute value must be a number.");
                    continue;
                };
                let c = entry.number_attribute_constraints.as_ref();
                let min = c
                    .and_then(|c| c.min_value.as_deref())
                    .and_then(|v| v.parse::<f64>().ok());
                let max = c
                    .and_then(|c| c.max_value.as_deref())
                    .and_then(|v| v.parse::<f64>().ok());
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    problems.add(name, "Number is out of the attribute's range.");
                }
            }
            Some(t) if *t == AttributeDataType::STRING => {
                let c = entry.string_attribute_constraints.as_ref();
                let len = value.chars().count();
                let min = c
                    .and_then(|c| c.min_length.as_deref())
                    .and_then(|v| v.parse::<usize>().ok());
                let max = c
                    .and_then(|c| c.max_length.as_deref())
                    .and_then(|v| v.parse::<usize>().ok());
                if let Some(m) = min.filter(|m| len < *m && !value.is_empty()) {
                    problems.add(name, &format!("String must be at least {m} characters."));
                } else if let Some(m) = max.filter(|m| len > *m) {
                    problems.add(name, &format!("String must be at most {m} characters."));
                }
            }
            _ => {}
        }
        if name == "email" && !value.is_empty() && !is_email(value) {
            format.get_or_insert("Invalid email address format.");
        }
        if name == "phone_number" && !value.is_empty() && !is_phone(value) {
            format.get_or_insert("Invalid phone number format.");
        }
    }
    problems.into_result()?;
    match format {
        Some(message) => Err(invalid(message)),
        None => Ok(()),
    }
}

/// Checks attributes a caller removes: each exists, is mutable and is not required.
pub fn check_deletes(pool: &UserPoolType, names: &[String]) -> Result<()> {
    let mut problems = Problems::default();
    for name in names {
        if name == "sub" {
            problems.add(name, "Cannot modify the non-mutable attribute sub.");
        } else if let Some(entry) = schema_entry(pool, name) {
            if entry.required == Some(true) {
                problems.add(name, "Required attribute cannot be deleted.");
            } else if entry.mutable == Some(false) {
                problems.add(
                    name,
                    "Attribute cannot be updated. (changing an immutable attribute)",
                );
            }
        } else {
            problems.add(name, "Attribute does not exist in the schema.");
        }
    }
    problems.into_result()
}

/// What a user may write (or remove) with their access token, as AWS enforces it for
/// the app client that signed them in: only the client's WriteAttributes (without
/// them, the standard and custom attributes), never a developer-only (`dev:`)
/// attribute (those are written only by admin operations), and never
/// `email_verified` or `phone_number_verified` (a user verifies with a code, not by
/// declaring it). Names outside the schema are left to `check_writes`.
pub fn check_user_writes<'a>(
    pool: &UserPoolType,
    client: &UserPoolClientType,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    for name in names {
        let Some(entry) = schema_entry(pool, name).filter(|_| name != "sub") else {
            continue;
        };
        let developer_only = entry.developer_only_attribute == Some(true)
            || entry.name.as_deref().is_some_and(|n| n.starts_with("dev:"));
        let flag = name == "email_verified" || name == "phone_number_verified";
        let listed = client
            .write_attributes
            .as_deref()
            .is_none_or(|w| w.iter().any(|n| n == name));
        if developer_only || flag || !listed {
            return Err(fail(
                ErrorCode::NotAuthorizedException,
                "A client attempted to write unauthorized attribute",
            ));
        }
    }
    Ok(())
}

/// Every attribute the schema marks required is present and non-empty.
pub fn check_required(pool: &UserPoolType, attrs: &[AttributeType]) -> Result<()> {
    for entry in pool.schema_attributes.as_deref().unwrap_or(&[]) {
        let name = entry.name.as_deref().unwrap_or("");
        if entry.required != Some(true) || name == "sub" {
            continue;
        }
        let present = attrs.iter().any(|a| {
            a.name.as_deref() == Some(name) && a.value.as_deref().is_some_and(|v| !v.is_empty())
        });
        if !present {
            return Err(invalid(format!(
                "Attributes did not conform to the schema: {name}: The attribute is required"
            )));
        }
    }
    Ok(())
}

pub fn get<'a>(attrs: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
        .and_then(|a| a.value.as_deref())
}

/// Sets (or, with an empty value for a non-required attribute, keeps empty) `name`.
pub fn set(attrs: &mut Vec<AttributeType>, name: &str, value: &str) {
    match attrs.iter_mut().find(|a| a.name.as_deref() == Some(name)) {
        Some(a) => a.value = Some(value.to_string()),
        None => attrs.push(AttributeType {
            name: Some(name.to_string()),
            value: Some(value.to_string()),
        }),
    }
}

pub fn remove(attrs: &mut Vec<AttributeType>, name: &str) {
    attrs.retain(|a| a.name.as_deref() != Some(name));
}

pub fn is_verified(attrs: &[AttributeType], name: &str) -> bool {
    get(attrs, &format!("{name}_verified")) == Some("true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_of_email_and_phone() {
        assert!(is_email("a@b.com"));
        assert!(!is_email("a.b.com"));
        assert!(!is_email("a @b.com"));
        assert!(is_phone("+15555550100"));
        assert!(!is_phone("5555550100"));
        assert!(!is_phone("+1-555"));
    }
}
