//! Reading the seed file (`--config FILE`, YAML) and reporting its problems by line.

use cognate_domain::seed::{SeedError, SeedFile};
use cognate_domain::Service;
use std::path::Path;

/// Parses the file; a syntax or shape error names its line and column.
pub fn read(path: &Path) -> Result<(SeedFile, String), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--config {}: {e}", path.display()))?;
    // YAML 1.2's booleans only (`yes` is a string, as serde_yaml read it), and the
    // message without a source snippet: the line and column are given once, in front.
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
    };
    let seed: SeedFile =
        serde_saphyr::from_str_with_options(&text, options).map_err(|e| match e.location() {
            Some(l) => format!(
                "--config {}: line {}, column {}: {}",
                path.display(),
                l.line(),
                l.column(),
                strip_location(&e.to_string())
            ),
            None => format!("--config {}: {e}", path.display()),
        })?;
    Ok((seed, text))
}

fn strip_location(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_string()
}

/// Applies the seed; a problem with an item names the item's line.
pub async fn apply(
    service: &Service,
    (seed, text): (SeedFile, String),
    path: &Path,
) -> Result<(), String> {
    match service.apply_seed(seed).await {
        Ok(report) => {
            tracing::info!(
                pools = report.pools,
                clients = report.clients,
                groups = report.groups,
                users = report.users,
                "seed applied"
            );
            Ok(())
        }
        Err(e) => Err(describe(&e, &text, path)),
    }
}

/// `--config FILE: line N (userPools[0].users[2]): problem`. The line is the first that
/// names the item (its name or username).
fn describe(e: &SeedError, text: &str, path: &Path) -> String {
    let line = (!e.anchor.is_empty())
        .then(|| {
            text.lines().position(|l| {
                l.split_once(':')
                    .map(|(_, v)| v.trim().trim_matches(|c| c == '"' || c == '\'') == e.anchor)
                    .unwrap_or(false)
            })
        })
        .flatten();
    match line {
        Some(n) => format!(
            "--config {}: line {} ({}): {}",
            path.display(),
            n + 1,
            e.path,
            e.message
        ),
        None => format!("--config {}: {}: {}", path.display(), e.path, e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_the_line_of_their_item() {
        let text =
            "userPools:\n  - name: p\n    users:\n      - username: alice\n        password: x\n";
        let e = SeedError {
            path: "userPools[0].users[0]".into(),
            anchor: "alice".into(),
            message: "InvalidPasswordException: too short".into(),
        };
        assert_eq!(
            describe(&e, text, Path::new("seed.yaml")),
            "--config seed.yaml: line 4 (userPools[0].users[0]): InvalidPasswordException: too short"
        );
    }
}
