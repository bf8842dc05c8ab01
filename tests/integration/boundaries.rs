//! The shape of the code, checked (in the spirit of rust-analyzer's tidy
//! tests): only `store` knows diesel, only `web` knows actix, only `mail`
//! knows lettre, and the analysis core imports nothing of the outside
//! (`store`, `web`, `mail`, `app`, `cli`). A failure names the file and line.

use std::path::{Path, PathBuf};

use crate::helpers::repo;

/// (crate, the only module that may name it).
const OWNED: &[(&str, &str)] = &[
    ("diesel", "store"),
    ("actix_web", "web"),
    ("actix_multipart", "web"),
    ("lettre", "mail"),
];

/// The analysis core: plain data in, plain results out.
const CORE: &[&str] = &[
    "survey",
    "stats",
    "scoring",
    "evaluation",
    "report",
    "disclosure",
    "dashboard",
    "simulate",
    "responses",
    "said",
    "reorganisation",
    "feedback",
    "comments",
    "validity",
    "export",
];

const OUTSIDE: &[&str] = &["store", "web", "mail", "app", "cli"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file under `src/` belongs to: its first path component
/// (`store/pool.rs` → `store`, `said.rs` → `said`).
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// Whether `word` occurs in `code` as an identifier.
fn names(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Every line of `text` (the file `rel` under `src/`) that crosses a boundary.
fn violations(rel: &str, text: &str) -> Vec<String> {
    let module = module_of(rel);
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // Code only: comments may mention anything.
        let code = line.split("//").next().unwrap_or("");
        for (krate, owner) in OWNED {
            if module != *owner && names(code, krate) {
                out.push(format!("src/{rel}:{}: `{krate}` outside `{owner}`", n + 1));
            }
        }
        if CORE.contains(&module) {
            for m in OUTSIDE {
                if code.contains(&format!("crate::{m}::"))
                    || code.contains(&format!("crate::{m};"))
                    || code.contains(&format!("crate::{m}}}"))
                    || code.contains(&format!("crate::{{{m}"))
                {
                    out.push(format!(
                        "src/{rel}:{}: the analysis core (`{module}`) imports `{m}`",
                        n + 1
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn diesel_actix_and_lettre_stay_in_their_modules_and_the_core_imports_nothing_outside() {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "the source tree is found");
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        found.extend(violations(&rel, &std::fs::read_to_string(f).unwrap()));
    }
    assert!(
        found.is_empty(),
        "boundaries crossed:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_boundary_check_finds_what_it_is_for() {
    assert_eq!(
        violations("web/staff/pages.rs", "    use diesel::prelude::*;"),
        ["src/web/staff/pages.rs:1: `diesel` outside `store`"]
    );
    assert_eq!(
        violations("app/mod.rs", "fn f(r: actix_web::HttpRequest) {}").len(),
        1
    );
    assert_eq!(
        violations("cli/x.rs", "let t = lettre::Message::builder();").len(),
        1
    );
    assert_eq!(
        violations("scoring/report.rs", "use crate::store::DbConnection;"),
        ["src/scoring/report.rs:1: the analysis core (`scoring`) imports `store`"]
    );
    assert_eq!(
        violations("evaluation/mod.rs", "use crate::{app, survey};").len(),
        1
    );
    // Owners, comments and look-alike names pass.
    assert!(violations("store/pool.rs", "use diesel::prelude::*;").is_empty());
    assert!(violations("cli/mail.rs", "    // lettre's pool lives on the runtime").is_empty());
    assert!(violations("app/x.rs", "let dieselish = 1; let my_lettre = 2;").is_empty());
    assert!(violations("report/score.rs", "use crate::survey::Survey;").is_empty());
}
