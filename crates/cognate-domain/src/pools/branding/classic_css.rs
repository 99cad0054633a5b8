//! What SetUICustomization accepts: the hosted UI (classic) style sheet and logo, as
//! AWS's developer guide ("Customizing hosted UI (classic) branding") restricts them.
//! Rules may name only Cognito's `-customizable` classes (two with a pseudo-class),
//! no at-rule (`@import`, `@supports`, `@page`, `@media`) and no JavaScript; the logo
//! is a PNG or JPEG file of at most 100 KB. Properties outside the template are not
//! refused: AWS ignores them ("added CSS keys will not be reflected in your UI").

use crate::error::{invalid, Error, Result};

/// The selectors a rule may name, as the developer guide lists them.
pub const CLASSES: &[&str] = &[
    ".background-customizable",
    ".banner-customizable",
    ".errorMessage-customizable",
    ".idpButton-customizable",
    ".idpButton-customizable:hover",
    ".idpDescription-customizable",
    ".inputField-customizable",
    ".inputField-customizable:focus",
    ".label-customizable",
    ".legalText-customizable",
    ".logo-customizable",
    ".passwordCheck-notValid-customizable",
    ".passwordCheck-valid-customizable",
    ".redirect-customizable",
    ".socialButton-customizable",
    ".submitButton-customizable",
    ".submitButton-customizable:hover",
    ".textDescription-customizable",
];

/// The largest logo AWS accepts.
pub const MAX_LOGO_BYTES: usize = 100 * 1024;

/// Ways a declaration could run script, compared without case or spaces.
const SCRIPT: &[&str] = &[
    "javascript:",
    "vbscript:",
    "expression(",
    "<script",
    "-moz-binding",
    "behavior:",
];

fn refuse(reason: impl std::fmt::Display) -> Error {
    invalid(format!("The CSS is invalid: {reason}"))
}

/// Checks a style sheet against AWS's restrictions.
pub fn check(css: &str) -> Result<()> {
    let css = strip_comments(css)?;
    let mut rest = css.as_str();
    loop {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            return Ok(());
        }
        if trimmed.starts_with('@') {
            let name: String = trimmed
                .chars()
                .take_while(|c| *c == '@' || c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            return Err(refuse(format!("{name} rules are not allowed.")));
        }
        let open = trimmed
            .find(['{', '}'])
            .filter(|i| trimmed.as_bytes()[*i] == b'{')
            .ok_or_else(|| refuse("every rule needs a selector and a block in braces."))?;
        check_selectors(&trimmed[..open])?;
        let body = &trimmed[open + 1..];
        let close = block_end(body)?;
        check_declarations(&body[..close])?;
        rest = &body[close + 1..];
    }
}

fn strip_comments(css: &str) -> Result<String> {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start + 2..]
            .find("*/")
            .ok_or_else(|| refuse("a comment is not closed."))?;
        out.push(' ');
        rest = &rest[start + 2 + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn check_selectors(list: &str) -> Result<()> {
    for selector in list.split(',') {
        let selector = selector.trim();
        if !CLASSES.contains(&selector) {
            return Err(refuse(format!(
                "the selector \"{selector}\" is not one of the classes you can customize ({}).",
                CLASSES.join(", ")
            )));
        }
    }
    Ok(())
}

/// The index of the `}` closing a block, skipping quoted strings; a nested block is
/// refused (only plain class rules are allowed).
fn block_end(body: &str) -> Result<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '{' => return Err(refuse("nested blocks are not allowed.")),
                '}' => return Ok(i),
                _ => {}
            },
        }
    }
    Err(refuse("a block is not closed."))
}

fn check_declarations(block: &str) -> Result<()> {
    let compact: String = block
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if compact.contains("@import") {
        return Err(refuse("@import is not allowed."));
    }
    if let Some(found) = SCRIPT.iter().find(|s| compact.contains(*s)) {
        return Err(refuse(format!("JavaScript is not allowed ({found}).")));
    }
    Ok(())
}

/// A logo's type, from its first bytes: PNG or JPEG, as AWS accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoType {
    Png,
    Jpeg,
}

impl LogoType {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoType::Png => "image/png",
            LogoType::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            LogoType::Png => "png",
            LogoType::Jpeg => "jpg",
        }
    }
}

/// Checks a logo's format and size.
pub fn check_logo(bytes: &[u8]) -> Result<LogoType> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(invalid(format!(
            "The logo image is {} bytes: it must be at most 100 KB ({MAX_LOGO_BYTES} bytes).",
            bytes.len()
        )));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(LogoType::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(LogoType::Jpeg)
    } else {
        Err(invalid("The logo image must be a PNG or JPEG file."))
    }
}

/// The style sheet made safe to place inside a `<style>` element: `<` cannot start
/// `</style>`. The CSS escape `\3C ` means the same character inside strings.
pub fn for_style_element(css: &str) -> String {
    css.replace('<', "\\3C ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classes_of_the_template_are_accepted() {
        let css = "/* AWS's template */\n.logo-customizable { max-width: 60%; max-height: 30%; }\n\
                   .submitButton-customizable:hover, .idpButton-customizable:hover { color: #fff; }\n\
                   .background-customizable{background-color:#fafafa}\
                   .legalText-customizable { font-family: \"a}b\"; }";
        check(css).expect("valid");
        check("").expect("empty is valid");
        check("  \n ").expect("blank is valid");
    }

    #[test]
    fn other_selectors_at_rules_and_script_are_refused() {
        for bad in [
            "body { color: red; }",
            ".logo-customizable, h1 { color: red; }",
            ".logo-customizable:active { color: red; }",
            "@import url(https://example.com/a.css);",
            "@media (max-width: 600px) { .logo-customizable { max-width: 10%; } }",
            "@supports (display: grid) { }",
            "@page { margin: 1cm; }",
            ".banner-customizable { background: url(JavaScript:alert(1)); }",
            ".banner-customizable { width: expression(alert(1)); }",
            ".banner-customizable { color: red; ",
            ".banner-customizable { color: red; } }",
            ".banner-customizable color: red;",
            "/* unclosed .banner-customizable { }",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logos_are_png_or_jpeg_up_to_100_kb() {
        assert_eq!(
            check_logo(b"\x89PNG\r\n\x1a\nrest").ok(),
            Some(LogoType::Png)
        );
        assert_eq!(
            check_logo(&[0xFF, 0xD8, 0xFF, 0xE0]).ok(),
            Some(LogoType::Jpeg)
        );
        assert!(check_logo(b"GIF89a").is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert!(check_logo(&big).is_err());
        big.truncate(MAX_LOGO_BYTES);
        assert!(check_logo(&big).is_ok());
    }

    #[test]
    fn style_element_text_cannot_close_the_element() {
        let safe = for_style_element(".logo-customizable { content: \"</style><script>\"; }");
        assert!(!safe.contains('<'), "{safe}");
    }
}
