//! The runtime of the generated validation: where a value sits (`Path`), the violations
//! found, and AWS's wording for each kind of constraint:
//!
//! `2 validation errors detected: Value 'x' at 'userPoolId' failed to satisfy constraint:
//! Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+; Value null at
//! 'groupName' failed to satisfy constraint: Member must not be null`
//!
//! Values of members the model marks `sensitive` are never echoed.

use crate::{ApiError, ErrorCode};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Implemented (by generated code) for every structure an operation takes as input.
pub trait Validate {
    fn validate(&self, path: &Path<'_>, violations: &mut Violations);
}

/// Validates a whole input; all violations are reported in one `InvalidParameterException`.
pub fn check<T: Validate>(input: &T) -> Result<(), ApiError> {
    let mut violations = Violations::default();
    input.validate(&Path::root(), &mut violations);
    violations.into_result()
}

/// Where a value sits in the input, built without allocating and rendered only when a
/// constraint fails: `schema.1.member.name` (lists count from 1, as AWS does).
#[derive(Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Member(&'static str),
    Index(usize),
    MapValue(&'a str),
}

impl<'a> Path<'a> {
    pub fn root() -> Path<'static> {
        Path {
            parent: None,
            segment: Segment::Root,
        }
    }

    pub fn member(&'a self, name: &'static str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Member(name),
        }
    }

    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Index(i),
        }
    }

    pub fn map_value(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::MapValue(key),
        }
    }

    fn render(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.render(out);
        }
        let sep = if out.is_empty() { "" } else { "." };
        match self.segment {
            Segment::Root => {}
            Segment::Member(name) => {
                out.push_str(sep);
                out.push_str(name);
            }
            Segment::Index(i) => {
                let _ = write!(out, "{sep}{}.member", i + 1);
            }
            Segment::MapValue(key) => {
                let _ = write!(out, "{sep}{key}");
            }
        }
    }

    pub fn to_string_path(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }
}

/// The violations found so far, each already worded.
#[derive(Default, Debug)]
pub struct Violations {
    messages: Vec<String>,
}

impl Violations {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// `N validation error(s) detected: a; b` as `InvalidParameterException`.
    pub fn into_result(self) -> Result<(), ApiError> {
        match self.messages.len() {
            0 => Ok(()),
            n => Err(ApiError::new(
                ErrorCode::InvalidParameterException,
                format!(
                    "{n} validation error{} detected: {}",
                    if n == 1 { "" } else { "s" },
                    self.messages.join("; ")
                ),
            )),
        }
    }

    fn push(&mut self, path: &Path<'_>, value: Option<String>, constraint: &str) {
        let value = match value {
            Some(v) => format!("Value '{v}' at"),
            None => "Value at".to_string(),
        };
        self.messages.push(format!(
            "{value} '{}' failed to satisfy constraint: {constraint}",
            path.to_string_path()
        ));
    }

    pub fn not_null(&mut self, path: &Path<'_>) {
        self.messages.push(format!(
            "Value null at '{}' failed to satisfy constraint: Member must not be null",
            path.to_string_path()
        ));
    }

    pub fn min_len(&mut self, path: &Path<'_>, value: &str, min: i64, sensitive: bool) {
        if (value.chars().count() as i64) < min {
            self.push(
                path,
                shown(value, sensitive),
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
    }

    pub fn max_len(&mut self, path: &Path<'_>, value: &str, max: i64, sensitive: bool) {
        if (value.chars().count() as i64) > max {
            self.push(
                path,
                shown(value, sensitive),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    pub fn pattern(
        &mut self,
        path: &Path<'_>,
        value: &str,
        re: &Regex,
        pattern: &str,
        sensitive: bool,
    ) {
        if !re.is_match(value) {
            self.push(
                path,
                shown(value, sensitive),
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    pub fn one_of(&mut self, path: &Path<'_>, value: &str, allowed: &[&str], sensitive: bool) {
        if !allowed.contains(&value) {
            self.push(
                path,
                shown(value, sensitive),
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
    }

    pub fn min_value(&mut self, path: &Path<'_>, value: i64, min: i64) {
        if value < min {
            self.push(
                path,
                Some(value.to_string()),
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
    }

    pub fn max_value(&mut self, path: &Path<'_>, value: i64, max: i64) {
        if value > max {
            self.push(
                path,
                Some(value.to_string()),
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    pub fn min_items<T: Serialize>(&mut self, path: &Path<'_>, value: &[T], min: i64) {
        if (value.len() as i64) < min {
            self.push(
                path,
                Some(java_list(value)),
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
    }

    pub fn max_items<T: Serialize>(&mut self, path: &Path<'_>, value: &[T], max: i64) {
        if (value.len() as i64) > max {
            self.push(
                path,
                Some(java_list(value)),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    pub fn min_entries<T: Serialize>(
        &mut self,
        path: &Path<'_>,
        value: &BTreeMap<String, T>,
        min: i64,
        sensitive: bool,
    ) {
        if (value.len() as i64) < min {
            self.push(
                path,
                (!sensitive).then(|| java_map(value)),
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
    }

    pub fn max_entries<T: Serialize>(
        &mut self,
        path: &Path<'_>,
        value: &BTreeMap<String, T>,
        max: i64,
        sensitive: bool,
    ) {
        if (value.len() as i64) > max {
            self.push(
                path,
                (!sensitive).then(|| java_map(value)),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// An element of a list of strings breaks a constraint of the element shape;
    /// `constraints` lists all of them, worded, in brackets.
    pub fn element_constraint<T: Serialize>(
        &mut self,
        path: &Path<'_>,
        value: &[T],
        constraints: &str,
        sensitive: bool,
    ) {
        self.push(
            path,
            (!sensitive).then(|| java_list(value)),
            &format!("Member must satisfy constraint: {constraints}"),
        );
    }

    pub fn map_keys_constraint<T: Serialize>(
        &mut self,
        path: &Path<'_>,
        value: &BTreeMap<String, T>,
        constraints: &str,
        sensitive: bool,
    ) {
        self.push(
            path,
            (!sensitive).then(|| java_map(value)),
            &format!("Map keys must satisfy constraint: {constraints}"),
        );
    }

    pub fn map_values_constraint<T: Serialize>(
        &mut self,
        path: &Path<'_>,
        value: &BTreeMap<String, T>,
        constraints: &str,
        sensitive: bool,
    ) {
        self.push(
            path,
            (!sensitive).then(|| java_map(value)),
            &format!("Map value must satisfy constraint: {constraints}"),
        );
    }
}

/// A map as Java prints one: `{k=v, k2=v2}`.
fn java_map<T: Serialize>(map: &BTreeMap<String, T>) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", java_value(v)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn java_value<T: Serialize>(item: &T) -> String {
    match serde_json::to_value(item) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn shown(value: &str, sensitive: bool) -> Option<String> {
    (!sensitive).then(|| value.to_string())
}

/// A list as Java prints one, which is how AWS echoes it: `[a, b]`.
fn java_list<T: Serialize>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(java_value).collect();
    format!("[{}]", parts.join(", "))
}
