//! ListUsers' filter grammar: no string makes `parse` panic, and a well-formed filter on
//! a searchable attribute, with any value escaped as the grammar allows, parses back to
//! its attribute, value and kind of match.

use super::list_users_filter::{parse, UserFilter, SEARCHABLE};
use crate::props::config;
use cognate_api::ErrorCode;
use proptest::prelude::*;

/// A value written between quotes: `"` and `\` escaped, any other character escaped or
/// not.
fn quoted(value: &str, escape: &[bool]) -> String {
    let mut out = String::from("\"");
    for (i, c) in value.chars().enumerate() {
        if c == '"' || c == '\\' || escape.get(i).copied().unwrap_or(false) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn space() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "  ", "\t", " \n "]).prop_map(str::to_string)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_string_parses_or_is_refused(filter in prop_oneof![
        any::<String>(),
        // Near misses of the grammar.
        "[a-z_:\"]{0,12}[ ]?(=|\\^=|\\^|~)?[ ]?\"?[a-z\\\\\"\\x00 ]{0,8}\"?[ x]{0,2}",
    ]) {
        match parse(&filter) {
            Ok(None) => prop_assert!(filter.trim().is_empty()),
            Ok(Some(f)) => {
                prop_assert!(SEARCHABLE.contains(&f.attribute.as_str()));
                prop_assert!(!f.value.contains('\0'));
            }
            Err(e) => prop_assert_eq!(e.0.code, ErrorCode::InvalidParameterException),
        }
    }

    #[test]
    fn a_well_formed_filter_round_trips(
        attribute in prop::sample::select(SEARCHABLE.to_vec()),
        quote_attribute in any::<bool>(),
        value in "[^\\x00]{0,24}",
        escape in prop::collection::vec(any::<bool>(), 24),
        prefix in any::<bool>(),
        spaces in (space(), space(), space(), space()),
    ) {
        let name = if quote_attribute { format!("\"{attribute}\"") } else { attribute.to_string() };
        let filter = format!(
            "{}{name}{}{}{}{}{}",
            spaces.0,
            spaces.1,
            if prefix { "^=" } else { "=" },
            spaces.2,
            quoted(&value, &escape),
            spaces.3,
        );
        let expected = UserFilter { attribute: attribute.to_string(), value, prefix };
        prop_assert_eq!(parse(&filter).unwrap(), Some(expected), "{}", filter);
    }

    #[test]
    fn a_nul_anywhere_is_refused(
        attribute in prop::sample::select(SEARCHABLE.to_vec()),
        before in "[a-z]{0,4}",
        after in "[a-z]{0,4}",
    ) {
        let filter = format!("{attribute} = \"{before}\0{after}\"");
        let e = parse(&filter).unwrap_err();
        prop_assert_eq!(e.0.message, "Error while parsing filter.");
    }
}
