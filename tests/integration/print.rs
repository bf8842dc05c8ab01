//! Reports printed to A4 by Chromium (print-to-PDF) and rasterised by
//! pdftoppm (Debian's poppler-utils): nothing runs into the page's right
//! margin, where a table too wide for the page would be cut off.

use std::path::Path;
use std::process::Command;

use crate::services::klimat;

/// Prints `html` to PDF and returns each page as (width, height, grey bytes).
fn print_pages(dir: &Path, html: &Path) -> Vec<(usize, usize, Vec<u8>)> {
    let chromium = std::env::var("KLIMAT_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let pdf = dir.join("printed.pdf");
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap_or_else(|e| panic!("{chromium} runs (bash .ci/test installs chromium): {e}"));
    assert!(pdf.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let prefix = dir.join("page");
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "40"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs (bash .ci/test installs poppler-utils)");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| pgm(&std::fs::read(p).unwrap()))
        .collect()
}

/// A binary PGM (P5) as width, height and pixels.
fn pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, bytes[i + 1..i + 1 + w * h].to_vec())
}

/// The pages' right margin (the outer 10 mm of 210) holds no ink.
fn assert_right_margin_blank(pages: &[(usize, usize, Vec<u8>)], what: &str) {
    assert!(!pages.is_empty());
    for (k, (w, h, px)) in pages.iter().enumerate() {
        let from = w - w * 10 / 210;
        let inked = (0..*h)
            .flat_map(|y| (from..*w).map(move |x| (x, y)))
            .filter(|&(x, y)| px[y * w + x] < 200)
            .count();
        assert_eq!(
            inked,
            0,
            "{what}: page {} has ink in its right margin",
            k + 1
        );
    }
}

#[test]
fn the_feedback_and_effect_reports_print_within_the_page() {
    let (k, env) = crate::comments::demo();
    let out = klimat(
        &k,
        &env,
        &[
            "report",
            "feedback",
            "--study",
            "innovation-pilot",
            "--unit",
            "social-02",
            "--dir",
            "fb",
        ],
    );
    assert!(out.contains("wrote 1 feedback reports"), "{out}");
    let html = std::fs::read_dir(k.path("fb"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&html).unwrap();
    for section in [
        "Styrkor",
        "Klimatprofil",
        "Svar per fråga",
        "Kommentarer",
        "arbetsplatsträffen",
    ] {
        assert!(text.contains(section), "{section}");
    }
    let dir = k.path("print-feedback");
    std::fs::create_dir_all(&dir).unwrap();
    let pages = print_pages(&dir, &html);
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert_right_margin_blank(&pages, "the feedback report");

    let effect = k.path("d/reports/demo/effect.html");
    let effect = if effect.exists() {
        effect
    } else {
        k.path("reports/demo/effect.html")
    };
    let dir = k.path("print-effect");
    std::fs::create_dir_all(&dir).unwrap();
    let pages = print_pages(&dir, &effect);
    assert_right_margin_blank(&pages, "the effect report");
}
