//! A pool's attribute schema: AWS's standard attributes, custom ones (`custom:`), and
//! the rules for declaring them (at CreateUserPool and AddCustomAttributes).

use crate::error::{invalid, Result};
use cognate_api::types::{
    AttributeDataType, NumberAttributeConstraintsType, SchemaAttributeType,
    StringAttributeConstraintsType,
};

/// Custom attributes a pool may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// AWS's standard attributes, in the order DescribeUserPool lists them:
/// (name, data type, mutable, required).
const STANDARD: &[(&str, AttributeDataType)] = &[
    ("sub", AttributeDataType::STRING),
    ("name", AttributeDataType::STRING),
    ("given_name", AttributeDataType::STRING),
    ("family_name", AttributeDataType::STRING),
    ("middle_name", AttributeDataType::STRING),
    ("nickname", AttributeDataType::STRING),
    ("preferred_username", AttributeDataType::STRING),
    ("profile", AttributeDataType::STRING),
    ("picture", AttributeDataType::STRING),
    ("website", AttributeDataType::STRING),
    ("email", AttributeDataType::STRING),
    ("email_verified", AttributeDataType::BOOLEAN),
    ("gender", AttributeDataType::STRING),
    ("birthdate", AttributeDataType::STRING),
    ("zoneinfo", AttributeDataType::STRING),
    ("locale", AttributeDataType::STRING),
    ("phone_number", AttributeDataType::STRING),
    ("phone_number_verified", AttributeDataType::BOOLEAN),
    ("address", AttributeDataType::STRING),
    ("updated_at", AttributeDataType::NUMBER),
];

fn standard_attribute(name: &str, data_type: &AttributeDataType) -> SchemaAttributeType {
    let (string, number) = match (name, data_type) {
        ("sub", _) => (Some(("1", "2048")), None),
        ("birthdate", _) => (Some(("10", "10")), None),
        (_, t) if *t == AttributeDataType::STRING => (Some(("0", "2048")), None),
        (_, t) if *t == AttributeDataType::NUMBER => (None, Some("0")),
        _ => (None, None),
    };
    SchemaAttributeType {
        name: Some(name.to_string()),
        attribute_data_type: Some(data_type.clone()),
        developer_only_attribute: Some(false),
        mutable: Some(name != "sub"),
        required: Some(name == "sub"),
        string_attribute_constraints: string.map(|(min, max)| StringAttributeConstraintsType {
            min_length: Some(min.into()),
            max_length: Some(max.into()),
        }),
        number_attribute_constraints: number.map(|min| NumberAttributeConstraintsType {
            min_value: Some(min.into()),
            max_value: None,
        }),
    }
}

/// The schema of a new pool: the standard attributes, amended by the standard entries of
/// `declared`, followed by its custom ones.
pub fn initial(declared: &[SchemaAttributeType]) -> Result<Vec<SchemaAttributeType>> {
    let mut schema: Vec<SchemaAttributeType> = STANDARD
        .iter()
        .map(|(n, t)| standard_attribute(n, t))
        .collect();
    let mut custom = Vec::new();
    for attr in declared {
        let name = attr.name.clone().unwrap_or_default();
        match schema
            .iter_mut()
            .find(|s| s.name.as_deref() == Some(name.as_str()))
        {
            Some(standard) => amend_standard(standard, attr)?,
            None => custom.push(attr.clone()),
        }
    }
    add_custom(&mut schema, &custom)?;
    Ok(schema)
}

fn amend_standard(
    standard: &mut SchemaAttributeType,
    declared: &SchemaAttributeType,
) -> Result<()> {
    let name = standard.name.clone().unwrap_or_default();
    let type_changed = declared
        .attribute_data_type
        .as_ref()
        .is_some_and(|t| Some(t) != standard.attribute_data_type.as_ref());
    if type_changed || declared.developer_only_attribute == Some(true) {
        return Err(invalid(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )));
    }
    if name == "sub" {
        return Ok(());
    }
    if let Some(required) = declared.required {
        standard.required = Some(required);
    }
    if let Some(mutable) = declared.mutable {
        standard.mutable = Some(mutable);
    }
    if let Some(c) = &declared.string_attribute_constraints {
        let merged = StringAttributeConstraintsType {
            min_length: c.min_length.clone().or_else(|| Some("0".into())),
            max_length: c.max_length.clone().or_else(|| Some("2048".into())),
        };
        check_string_constraints(&name, &merged)?;
        standard.string_attribute_constraints = Some(merged);
    }
    if let Some(c) = &declared.number_attribute_constraints {
        check_number_constraints(&name, c)?;
        standard.number_attribute_constraints = Some(c.clone());
    }
    Ok(())
}

/// Appends custom attributes to `schema` as `custom:<name>` (`dev:custom:<name>` for
/// developer-only ones), refusing duplicates, required ones and bad constraints.
pub fn add_custom(
    schema: &mut Vec<SchemaAttributeType>,
    declared: &[SchemaAttributeType],
) -> Result<()> {
    for attr in declared {
        let bare = attr.name.clone().unwrap_or_default();
        let bare = bare.strip_prefix("custom:").unwrap_or(&bare).to_string();
        let developer_only = attr.developer_only_attribute.unwrap_or(false);
        let name = if developer_only {
            format!("dev:custom:{bare}")
        } else {
            format!("custom:{bare}")
        };
        let clash = schema.iter().any(|s| {
            let existing = s.name.as_deref().unwrap_or("");
            existing == name
                || existing.strip_prefix("dev:") == Some(&format!("custom:{bare}"))
                || existing == format!("custom:{bare}")
        });
        if clash {
            return Err(invalid(format!(
                "custom:{bare}: Existing attribute already has name custom:{bare}."
            )));
        }
        if attr.required == Some(true) {
            return Err(invalid(
                "Required custom attributes are not supported currently.",
            ));
        }
        let Some(data_type) = attr.attribute_data_type.clone() else {
            return Err(invalid(
                "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
            ));
        };
        if let Some(c) = &attr.string_attribute_constraints {
            check_string_constraints(&name, c)?;
        }
        if let Some(c) = &attr.number_attribute_constraints {
            check_number_constraints(&name, c)?;
        }
        schema.push(SchemaAttributeType {
            name: Some(name),
            attribute_data_type: Some(data_type.clone()),
            developer_only_attribute: Some(developer_only),
            mutable: Some(attr.mutable.unwrap_or(true)),
            required: Some(false),
            string_attribute_constraints: if data_type == AttributeDataType::STRING {
                attr.string_attribute_constraints.clone()
            } else {
                None
            },
            number_attribute_constraints: if data_type == AttributeDataType::NUMBER {
                attr.number_attribute_constraints.clone()
            } else {
                None
            },
        });
    }
    let custom = schema
        .iter()
        .filter(|s| s.name.as_deref().is_some_and(|n| n.contains("custom:")))
        .count();
    if custom > MAX_CUSTOM_ATTRIBUTES {
        return Err(invalid(format!(
            "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )));
    }
    Ok(())
}

fn parse_bound(name: &str, what: &str, v: &Option<String>) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| invalid(format!("{name}: {what} must be an integer, not '{s}'."))),
    }
}

fn check_string_constraints(name: &str, c: &StringAttributeConstraintsType) -> Result<()> {
    let min = parse_bound(name, "MinLength", &c.min_length)?;
    let max = parse_bound(name, "MaxLength", &c.max_length)?;
    if max.is_some_and(|m| m > 2048) {
        return Err(invalid(format!(
            "{name}: String attributes cannot have a length of more than 2048"
        )));
    }
    if min.is_some_and(|m| m < 0) {
        return Err(invalid(format!("{name}: Min length cannot be negative.")));
    }
    if let (Some(min), Some(max)) = (min, max) {
        if max < min {
            return Err(invalid(format!(
                "{name}: Max length cannot be less than min length."
            )));
        }
    }
    Ok(())
}

fn check_number_constraints(name: &str, c: &NumberAttributeConstraintsType) -> Result<()> {
    let min = parse_bound(name, "MinValue", &c.min_value)?;
    let max = parse_bound(name, "MaxValue", &c.max_value)?;
    if let (Some(min), Some(max)) = (min, max) {
        if max < min {
            return Err(invalid(format!(
                "{name}: Max value cannot be less than min value."
            )));
        }
    }
    Ok(())
}

/// Whether `name` (as a client would name it, e.g. `email` or `custom:team`) is an
/// attribute of `schema`. `*_verified` names follow their attribute.
pub fn has_attribute(schema: &[SchemaAttributeType], name: &str) -> bool {
    schema.iter().any(|s| {
        let n = s.name.as_deref().unwrap_or("");
        n == name || n.strip_prefix("dev:") == Some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str) -> SchemaAttributeType {
        SchemaAttributeType {
            name: Some(name.into()),
            attribute_data_type: Some(AttributeDataType::STRING),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_pool_has_the_standard_attributes_then_custom_ones() {
        let schema = initial(&[custom("team")]).unwrap();
        assert_eq!(schema.len(), 21);
        assert_eq!(schema[0].name.as_deref(), Some("sub"));
        assert_eq!(schema[0].mutable, Some(false));
        assert_eq!(schema[20].name.as_deref(), Some("custom:team"));
    }

    #[test]
    fn duplicates_and_required_custom_attributes_are_refused() {
        let mut schema = initial(&[custom("team")]).unwrap();
        let err = add_custom(&mut schema, &[custom("team")]).unwrap_err();
        assert!(err
            .0
            .message
            .contains("Existing attribute already has name custom:team"));
        let mut required = custom("x");
        required.required = Some(true);
        assert!(add_custom(&mut schema, &[required]).is_err());
    }
}
