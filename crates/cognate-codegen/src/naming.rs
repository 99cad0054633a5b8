//! Names: AWS member and operation names to Rust field and method names, to the
//! lower-camel names AWS uses in validation messages, and enum values to constant names.

/// `CallbackURLs` → `callback_urls`, `KMSKeyID` → `kms_key_id`, `Type` → `r#type`.
pub fn field_name(name: &str) -> String {
    let words = split_words(name);
    let snake = words.join("_").to_lowercase();
    match snake.as_str() {
        "type" | "match" | "ref" | "mod" | "use" | "fn" | "impl" | "struct" | "enum" | "trait"
        | "where" | "loop" | "move" | "self" | "super" | "crate" | "async" | "await" | "dyn"
        | "box" | "in" | "as" | "for" | "if" | "else" | "let" | "mut" | "pub" | "return"
        | "static" | "const" | "unsafe" | "extern" | "true" | "false" | "while" | "break"
        | "continue" | "override" | "priv" | "final" | "macro" | "virtual" | "yield" | "try"
        | "abstract" | "become" | "do" | "typeof" | "unsized" | "gen" => format!("r#{snake}"),
        _ => snake,
    }
}

/// The member's name as AWS writes it in a validation message: first letter lowered
/// (`UserPoolId` → `userPoolId`).
pub fn path_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The associated constant of each enum value, in the model's order: upper-cased, every
/// character other than a letter or digit as `_` (`ALLOW_USER_SRP_AUTH`, `phone_number` →
/// `PHONE_NUMBER`, `Enabled` → `ENABLED`). A name that would start with a digit or be
/// empty gets a `V_` prefix; a name already taken (by an earlier value, or by the type's
/// own `VALUES`) gets `_2`, `_3`, … in the model's order, so the result never depends on
/// anything but the list.
pub fn enum_constants(values: &[String]) -> Vec<String> {
    let mut taken: Vec<String> = vec!["VALUES".to_string()];
    let mut names = Vec::with_capacity(values.len());
    for value in values {
        let mut base: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        if base.trim_matches('_').is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("V_{base}");
        }
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.push(name.clone());
        names.push(name);
    }
    names
}

fn split_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for i in 0..chars.len() {
        let c = chars[i];
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            None => false,
            Some(p) if c.is_uppercase() && (p.is_lowercase() || p.is_ascii_digit()) => true,
            // An acronym ends before an upper-case letter that starts a word ("KMSKey"),
            // unless what follows is a plural "s" ("URLs").
            Some(p) if c.is_uppercase() && p.is_uppercase() => match next {
                Some(n) if n.is_lowercase() => !is_plural_tail(&chars, i + 1),
                _ => false,
            },
            _ => c == '_',
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c != '_' {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether the lower-case run starting at `start` is a lone "s" (end of name or next word).
fn is_plural_tail(chars: &[char], start: usize) -> bool {
    chars[start] == 's' && chars.get(start + 1).is_none_or(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_acronyms() {
        assert_eq!(field_name("UserPoolId"), "user_pool_id");
        assert_eq!(field_name("CallbackURLs"), "callback_urls");
        assert_eq!(field_name("KMSKeyID"), "kms_key_id");
        assert_eq!(field_name("AllowedOAuthFlows"), "allowed_o_auth_flows");
        assert_eq!(field_name("UserMFASettingList"), "user_mfa_setting_list");
        assert_eq!(field_name("CSS"), "css");
        assert_eq!(field_name("Type"), "r#type");
        assert_eq!(field_name("message"), "message");
        assert_eq!(field_name("CIMDPolicies"), "cimd_policies");
    }

    #[test]
    fn enum_constants_are_upper_snake_and_unique() {
        let names = |values: &[&str]| {
            enum_constants(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            names(&["ALLOW_USER_SRP_AUTH", "phone_number", "Enabled", "V1_0"]),
            ["ALLOW_USER_SRP_AUTH", "PHONE_NUMBER", "ENABLED", "V1_0"]
        );
        assert_eq!(names(&["a-b", "A_B", "a.b"]), ["A_B", "A_B_2", "A_B_3"]);
        assert_eq!(
            names(&["3DES", "", "-", "VALUES"]),
            ["V_3DES", "V_", "V__", "VALUES_2"]
        );
    }

    #[test]
    fn path_names_lower_the_first_letter() {
        assert_eq!(path_name("UserPoolId"), "userPoolId");
        assert_eq!(path_name("MFAOptions"), "mFAOptions");
    }
}
