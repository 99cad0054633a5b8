//! The model's patterns are Java regular expressions. The `regex` crate differs from Java
//! in two ways that matter here: `\w`, `\d` and `\s` are Unicode-aware (Java's are ASCII),
//! and look-around is not supported. This module rewrites a pattern into an equivalent
//! one for `regex`, anchored so that it must match the whole value as AWS requires.

/// Patterns using look-behind, rewritten by hand into equivalents without it.
const REWRITES: &[(&str, &str)] = &[(
    // Letters, digits and `.-_`, not ending with a dot.
    r"^[0-9A-Za-z\.\-_]*(?<!\.)$",
    r"(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?",
)];

pub fn to_rust(java: &str) -> String {
    let body = REWRITES
        .iter()
        .find(|(from, _)| *from == java)
        .map(|(_, to)| to.to_string())
        .unwrap_or_else(|| asciify(java));
    format!("^(?:{body})$")
}

/// Replaces `\w`, `\d`, `\s`, `\S`, `\W`, `\D` with their ASCII (Java) meaning.
fn asciify(p: &str) -> String {
    let mut out = String::new();
    let mut in_class = 0usize;
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let class = match n {
                    'w' => Some("0-9A-Za-z_"),
                    'd' => Some("0-9"),
                    's' => Some("\\t\\n\\x0B\\f\\r "),
                    _ => None,
                };
                let negated = match n {
                    'W' => Some("0-9A-Za-z_"),
                    'D' => Some("0-9"),
                    'S' => Some("\\t\\n\\x0B\\f\\r "),
                    _ => None,
                };
                match (class, negated) {
                    (Some(c), _) if in_class > 0 => out.push_str(c),
                    (Some(c), _) => {
                        out.push('[');
                        out.push_str(c);
                        out.push(']');
                    }
                    // A nested class is valid inside a class too.
                    (_, Some(c)) => {
                        out.push_str("[^");
                        out.push_str(c);
                        out.push(']');
                    }
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' => {
                in_class += 1;
                out.push(c);
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(java: &str, value: &str) -> bool {
        regex::Regex::new(&to_rust(java)).unwrap().is_match(value)
    }

    #[test]
    fn word_class_is_ascii_and_whole_value() {
        assert!(matches(r"[\w-]+_[0-9a-zA-Z]+", "us-east-1_AbC123xyZ"));
        assert!(!matches(r"[\w-]+_[0-9a-zA-Z]+", "bad id!"));
        assert!(!matches(r"[\w-]+_[0-9a-zA-Z]+", "é_abc"));
        assert!(!matches(r"[\S]+", "a b"));
        assert!(matches(r"[\S]+", "a-b"));
    }

    #[test]
    fn look_behind_is_rewritten() {
        let p = r"^[0-9A-Za-z\.\-_]*(?<!\.)$";
        assert!(matches(p, "a.b"));
        assert!(matches(p, ""));
        assert!(!matches(p, "ab."));
    }
}
