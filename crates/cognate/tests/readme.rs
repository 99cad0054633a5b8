//! README.md's table of operations is produced by `cognate operations`, not kept by
//! hand: this fails when they differ (regenerate with `cargo run -- operations`).

#[test]
fn the_readme_operation_table_is_the_code_s() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cognate"))
        .arg("operations")
        .output()
        .expect("run cognate operations");
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        table
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Operation"))
            .count(),
        153
    );
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- operations:start -->")
        .expect("start marker");
    let end = readme.find("<!-- operations:end -->").expect("end marker");
    let current = readme[start + "<!-- operations:start -->".len()..end].trim();
    assert_eq!(
        current,
        table.trim(),
        "README.md's operation table is stale: run `cargo run -q -- operations` and paste it between the markers"
    );
}
