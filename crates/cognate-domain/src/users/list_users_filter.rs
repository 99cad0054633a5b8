//! ListUsers' `Filter`: `attribute = "value"` (exact) or `attribute ^= "value"`
//! (prefix), one attribute among those AWS lets you search, with `\"` and `\\` escapes
//! inside the quotes. An empty filter lists every user.

use crate::error::{invalid, Result};

/// Attributes ListUsers can filter on.
pub const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub attribute: String,
    pub value: String,
    pub prefix: bool,
}

/// None for an empty filter.
pub fn parse(filter: &str) -> Result<Option<UserFilter>> {
    let text = filter.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let malformed = || invalid("Error while parsing filter.");
    // A NUL is no part of AWS's filter grammar; it would also split the page position
    // (value, NUL, username key) in the wrong place and make paging loop.
    if text.contains('\0') {
        return Err(malformed());
    }
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(malformed)?;
    let attribute = text[..name_end].trim_matches('"').to_string();
    let rest = text[name_end..].trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(malformed());
    };
    let rest = rest.trim_start();
    let mut chars = rest.chars();
    if chars.next() != Some('"') {
        return Err(malformed());
    }
    let mut value = String::new();
    let mut closed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(malformed)?),
            '"' => {
                closed = true;
                break;
            }
            c => value.push(c),
        }
    }
    if !closed || !chars.as_str().trim().is_empty() {
        return Err(malformed());
    }
    if !SEARCHABLE.contains(&attribute.as_str()) {
        return Err(invalid(format!("Invalid search attribute: {attribute}")));
    }
    Ok(Some(UserFilter {
        attribute,
        value,
        prefix,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(attribute: &str, value: &str, prefix: bool) -> Option<UserFilter> {
        Some(UserFilter {
            attribute: attribute.into(),
            value: value.into(),
            prefix,
        })
    }

    #[test]
    fn exact_and_prefix_filters_parse() {
        assert_eq!(
            parse(r#"email = "a@b.com""#).unwrap(),
            f("email", "a@b.com", false)
        );
        assert_eq!(
            parse(r#"given_name ^= "Jo""#).unwrap(),
            f("given_name", "Jo", true)
        );
        assert_eq!(
            parse(r#"family_name="Reddy""#).unwrap(),
            f("family_name", "Reddy", false)
        );
        assert_eq!(
            parse(r#"name = "say \"hi\" \\ there""#).unwrap(),
            f("name", r#"say "hi" \ there"#, false)
        );
        assert_eq!(
            parse(r#"cognito:user_status = "CONFIRMED""#).unwrap(),
            f("cognito:user_status", "CONFIRMED", false)
        );
        assert_eq!(parse("  ").unwrap(), None);
    }

    #[test]
    fn malformed_filters_and_other_attributes_are_refused() {
        for bad in [
            r#"email"#,
            r#"email = a@b.com"#,
            r#"email = "open"#,
            r#"email ~ "x""#,
            r#"email = "x" extra"#,
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.0.message, "Error while parsing filter.", "{bad}");
        }
        let e = parse("name ^= \"a\u{0}\"").unwrap_err();
        assert_eq!(e.0.message, "Error while parsing filter.", "a NUL");
        let e = parse(r#"custom:team = "x""#).unwrap_err();
        assert_eq!(e.0.message, "Invalid search attribute: custom:team");
    }
}
