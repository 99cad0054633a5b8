//! A user's attributes against the pool's schema: which names exist, which may be
//! written, value constraints by data type, required attributes, and the formats of
//! email and phone numbers.

use crate::error::{invalid, Error, Result};
use cognate_api::types::{AttributeDataType, AttributeType, SchemaAttributeType, UserPoolType};

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

fn bad(name: &str, why: &str) -> Error {
    invalid(format!("Invalid user attributes: user.{name}: {why}"))
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

/// Checks attributes a caller writes. `creating` allows immutable attributes (they can
/// be set once, at creation).
pub fn check_writes(pool: &UserPoolType, attrs: &[AttributeType], creating: bool) -> Result<()> {
    for a in attrs {
        let name = a.name.as_deref().unwrap_or("");
        let value = a.value.as_deref().unwrap_or("");
        if name == "sub" {
            return Err(bad(name, "Cannot modify the non-mutable attribute sub."));
        }
        let Some(entry) = schema_entry(pool, name) else {
            return Err(bad(name, "Attribute does not exist in the schema."));
        };
        if !creating && entry.mutable == Some(false) {
            return Err(bad(
                name,
                "Attribute cannot be updated. (changing an immutable attribute)",
            ));
        }
        match entry.attribute_data_type.as_ref() {
            Some(t) if *t == AttributeDataType::BOOLEAN && value != "true" && value != "false" => {
                return Err(bad(name, "Attribute value must be true or false."));
            }
            Some(t) if *t == AttributeDataType::NUMBER => {
                let n: f64 = value
                    .parse()
                    .map_err(|_| bad(name, "Attribute value must be a number."))?;
                let c = entry.number_attribute_constraints.as_ref();
                let min = c
                    .and_then(|c| c.min_value.as_deref())
                    .and_then(|v| v.parse::<f64>().ok());
                let max = c
                    .and_then(|c| c.max_value.as_deref())
                    .and_then(|v| v.parse::<f64>().ok());
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    return Err(bad(name, "Number is out of the attribute's range."));
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
                if min.is_some_and(|m| len < m) && !value.is_empty() {
                    return Err(bad(
                        name,
                        &format!("String must be at least {} characters.", min.unwrap_or(0)),
                    ));
                }
                if max.is_some_and(|m| len > m) {
                    return Err(bad(
                        name,
                        &format!("String must be at most {} characters.", max.unwrap_or(0)),
                    ));
                }
            }
            _ => {}
        }
        if name == "email" && !value.is_empty() && !is_email(value) {
            return Err(invalid("Invalid email address format."));
        }
        if name == "phone_number" && !value.is_empty() && !is_phone(value) {
            return Err(invalid("Invalid phone number format."));
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
